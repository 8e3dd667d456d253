import { http } from './http'
import type {
  Address,
  AddressInput,
  Invitation,
  ItemList,
  MyShop,
  Page,
  ProfileUpdate,
  User,
} from './types'

export const meApi = {
  get: () => http.get<User>('/me'),
  update: (body: ProfileUpdate) => http.patch<User>('/me', body),

  addresses: () => http.get<ItemList<Address>>('/me/addresses'),
  addAddress: (body: AddressInput) => http.post<Address>('/me/addresses', body),
  deleteAddress: (id: string) => http.delete(`/me/addresses/${encodeURIComponent(id)}`),

  shops: (cursor?: string | null) => http.get<Page<MyShop>>('/me/shops', { limit: 100, cursor }),

  invitations: () => http.get<ItemList<Invitation>>('/me/invitations'),
  acceptInvitation: (id: string) =>
    http.post<MyShop>(`/me/invitations/${encodeURIComponent(id)}/accept`),
  declineInvitation: (id: string) =>
    http.post<void>(`/me/invitations/${encodeURIComponent(id)}/decline`),
}
