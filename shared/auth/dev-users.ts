import { hasWildcardAccess } from './resource-permissions.js';

/**
 * The demo user types and users the local seed (dev/local/seed.ts) creates, with fixed
 * ids so that `npm run token` mints tokens for users that exist. Local development only.
 */
export type DevUserTypeName = 'superAdmin' | 'admin' | 'customer_admin' | 'viewer';

export interface DevUser {
  userType: DevUserTypeName;
  userTypeId: string;
  userId: string;
  email: string;
  /** Resource-path permissions the seed gives the user type (see resource-permissions.ts). */
  permissions: readonly string[];
}

export const DEV_USERS: Readonly<Record<DevUserTypeName, DevUser>> = {
  superAdmin: {
    userType: 'superAdmin',
    userTypeId: '00000000-0000-4000-8000-000000000101',
    userId: '00000000-0000-4000-8000-000000000001',
    email: 'superadmin@warp.local',
    permissions: ['*'],
  },
  admin: {
    userType: 'admin',
    userTypeId: '00000000-0000-4000-8000-000000000102',
    userId: '00000000-0000-4000-8000-000000000002',
    email: 'admin@warp.local',
    permissions: ['*'],
  },
  // Scoped: sees and changes only the customers granted to it in user_customer_access.
  customer_admin: {
    userType: 'customer_admin',
    userTypeId: '00000000-0000-4000-8000-000000000103',
    userId: '00000000-0000-4000-8000-000000000003',
    email: 'customer-admin@warp.local',
    permissions: ['/api/v1/customers/*'],
  },
  // Authenticated but without any API permission: every customer endpoint is 403.
  viewer: {
    userType: 'viewer',
    userTypeId: '00000000-0000-4000-8000-000000000104',
    userId: '00000000-0000-4000-8000-000000000004',
    email: 'viewer@warp.local',
    permissions: [],
  },
};

export const DEV_USER_TYPE_NAMES = Object.keys(DEV_USERS) as DevUserTypeName[];

export function isDevUserTypeName(value: string): value is DevUserTypeName {
  return Object.hasOwn(DEV_USERS, value);
}

/** Whether grants mean anything for this type: wildcard types see every customer anyway. */
export function devUserIsScoped(user: DevUser): boolean {
  return !hasWildcardAccess(user.permissions);
}
