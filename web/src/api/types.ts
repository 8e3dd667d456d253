/**
 * API shapes used by the app.
 *
 * TEMPORARY: written by hand from the API contract until the backend's OpenAPI document
 * (src/api/openapi.json) exists; then these become aliases of the generated
 * `components['schemas'][...]` types in schema.d.ts (`npm run gen:api`).
 */

export type Role = 'buyer' | 'shop_owner' | 'shop_staff' | 'platform_admin' | 'customer_service'

export interface User {
  id: string
  email: string
  nickname: string
  roles: Role[]
  created_at: string
}

export interface AuthResult {
  user: User
  access_token: string
  refresh_token: string
  token_type: string
  expires_in: number
}

export interface RegisterInput {
  email: string
  password: string
  nickname?: string | null
}

export interface LoginInput {
  login: string
  password: string
}

export interface ProfileUpdate {
  nickname?: string | null
}

export interface Address {
  id: string
  recipient: string
  phone: string
  phone_masked: string
  province: string
  city: string
  district: string
  detail: string
  is_default: boolean
  created_at: string
}

export interface AddressInput {
  recipient: string
  phone: string
  province: string
  city: string
  district: string
  detail: string
  is_default?: boolean
}

export type ShopStatus = 'pending' | 'active' | 'rejected' | 'suspended'
export type MemberRole = 'owner' | 'staff'

export interface Shop {
  id: string
  name: string
  description: string
  status: ShopStatus
  status_reason: string | null
  created_at: string
  approved_at: string | null
}

export interface MyShop extends Shop {
  role: MemberRole
}

export interface ShopCreate {
  name: string
  description?: string
}

export interface ShopUpdate {
  name?: string
  description?: string
}

export interface Member {
  user_id: string
  email: string
  nickname: string
  role: MemberRole
  joined_at: string
}

export interface Invitation {
  id: string
  shop_id: string
  shop_name: string
  email: string
  role: MemberRole
  status: string
  created_at: string
  expires_at: string
}

export interface InvitationCreate {
  email: string
}

export interface ShopOwner {
  id: string
  email: string
  nickname: string
}

export interface AdminShop extends Shop {
  owner: ShopOwner
}

export interface ReasonInput {
  reason: string
}

export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

export interface ItemList<T> {
  items: T[]
}
