/**
 * HS256 secret of the local stack (`npm start`, `npm run token`). Public on purpose:
 * it is for loopback development only. Configuration must never use it in production:
 * the customer API falls back to it only when NODE_ENV !== 'production' and no
 * JWT_SECRET (or JWT_SECRET_SECRET) is set.
 */
export const LOCAL_DEV_JWT_SECRET = 'warp-local-dev-only-hs256-secret-not-for-production';
