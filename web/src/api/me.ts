import { api, data } from './http'
import type { AddressInput, ProfileUpdate } from './types'

const address = (addressId: string) => ({ path: { address_id: addressId } })
const invitation = (invitationId: string) => ({ params: { path: { invitation_id: invitationId } } })

export const meApi = {
  get: () => data(api.GET('/me')),
  update: (body: ProfileUpdate) => data(api.PATCH('/me', { body })),

  addresses: () => data(api.GET('/me/addresses')),
  addAddress: (body: AddressInput) => data(api.POST('/me/addresses', { body })),
  updateAddress: (addressId: string, body: AddressInput) =>
    data(api.PUT('/me/addresses/{address_id}', { params: address(addressId), body })),
  deleteAddress: (addressId: string) => data(api.DELETE('/me/addresses/{address_id}', { params: address(addressId) })),

  /** Every shop the user owns or works in, with their role there. */
  shops: () => data(api.GET('/me/shops')),

  invitations: () => data(api.GET('/me/invitations')),
  acceptInvitation: (invitationId: string) =>
    data(api.POST('/me/invitations/{invitation_id}/accept', invitation(invitationId))),
  declineInvitation: (invitationId: string) =>
    data(api.POST('/me/invitations/{invitation_id}/decline', invitation(invitationId))),
}
