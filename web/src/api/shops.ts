import { api, data } from './http'
import type { InvitationCreate, ShopCreate, ShopUpdate } from './types'

const shop = (shopId: string) => ({ path: { shop_id: shopId } })

export const shopsApi = {
  /** Active shops, one page at a time. */
  list: (cursor?: string | null, limit = 24) => data(api.GET('/shops', { params: { query: { limit, cursor } } })),
  get: (shopId: string) => data(api.GET('/shops/{shop_id}', { params: shop(shopId) })),
  apply: (body: ShopCreate) => data(api.POST('/shops', { body })),
  update: (shopId: string, body: ShopUpdate) => data(api.PATCH('/shops/{shop_id}', { params: shop(shopId), body })),

  members: (shopId: string) => data(api.GET('/shops/{shop_id}/members', { params: shop(shopId) })),
  removeMember: (shopId: string, userId: string) =>
    data(api.DELETE('/shops/{shop_id}/members/{user_id}', { params: { path: { shop_id: shopId, user_id: userId } } })),

  invitations: (shopId: string) => data(api.GET('/shops/{shop_id}/invitations', { params: shop(shopId) })),
  invite: (shopId: string, body: InvitationCreate) =>
    data(api.POST('/shops/{shop_id}/invitations', { params: shop(shopId), body })),
  revokeInvitation: (shopId: string, invitationId: string) =>
    data(
      api.DELETE('/shops/{shop_id}/invitations/{invitation_id}', {
        params: { path: { shop_id: shopId, invitation_id: invitationId } },
      }),
    ),
}
