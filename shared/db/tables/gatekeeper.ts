import type { Generated } from 'kysely';

export interface UserTypesTable {
  id: Generated<string>;
  name: string;
  description: string | null;
  created_at: Generated<Date>;
}

export interface UserTypePermissionsTable {
  user_type_id: string;
  resource_path: string;
  created_at: Generated<Date>;
}

export interface UsersTable {
  id: string;
  email: string;
  display_name: string | null;
  user_type_id: string;
  is_active: Generated<boolean>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface UserCustomerAccessTable {
  user_id: string;
  customer_id: string;
  granted_by: string | null;
  granted_at: Generated<Date>;
}
