/**
 * HS256 secret of the local stack (`npm start`, `npm run token`). Public on purpose:
 * it is for loopback development only. The local stack uses it when no JWT_SECRET is
 * set; the customer API's config refuses it on a deployed function (K_SERVICE set, or
 * NODE_ENV=production).
 */
export const LOCAL_DEV_JWT_SECRET = 'warp-local-dev-only-hs256-secret-not-for-production';
