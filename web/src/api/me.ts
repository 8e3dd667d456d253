import { http } from './http'
import type {
  Address,
  AddressInput,
  AddressPage,
  InvitationPage,
  MyShop,
  MyShopPage,
  ProfileUpdate,
  User,
} from './types'

const id = encodeURIComponent

export const meApi = {
  get: () => http.get<User>('/me'),
  update: (body: ProfileUpdate) => http.patch<User>('/me', body),

  addresses: () => http.get<AddressPage>('/me/addresses'),
  addAddress: (body: AddressInput) => http.post<Address>('/me/addresses', body),
  updateAddress: (addressId: string, body: AddressInput) =>
    http.put<Address>(`/me/addresses/${id(addressId)}`, body),
  deleteAddress: (addressId: string) => http.delete(`/me/addresses/${id(addressId)}`),

  /** Every shop the user owns or works in, with their role there. */
  shops: () => http.get<MyShopPage>('/me/shops'),

  invitations: () => http.get<InvitationPage>('/me/invitations'),
  acceptInvitation: (invitationId: string) =>
    http.post<MyShop>(`/me/invitations/${id(invitationId)}/accept`),
  declineInvitation: (invitationId: string) =>
    http.post<void>(`/me/invitations/${id(invitationId)}/decline`),
}
