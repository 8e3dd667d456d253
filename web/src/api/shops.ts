import { http } from './http'
import type {
  Invitation,
  InvitationCreate,
  InvitationPage,
  MemberPage,
  Shop,
  ShopCreate,
  ShopPage,
  ShopUpdate,
} from './types'

const shopPath = (shopId: string) => `/shops/${encodeURIComponent(shopId)}`

export const shopsApi = {
  /** Active shops, one page at a time. */
  list: (cursor?: string | null, limit = 24) => http.get<ShopPage>('/shops', { limit, cursor }),
  get: (shopId: string) => http.get<Shop>(shopPath(shopId)),
  apply: (body: ShopCreate) => http.post<Shop>('/shops', body),
  update: (shopId: string, body: ShopUpdate) => http.patch<Shop>(shopPath(shopId), body),

  members: (shopId: string) => http.get<MemberPage>(`${shopPath(shopId)}/members`),
  removeMember: (shopId: string, userId: string) =>
    http.delete(`${shopPath(shopId)}/members/${encodeURIComponent(userId)}`),

  invitations: (shopId: string) => http.get<InvitationPage>(`${shopPath(shopId)}/invitations`),
  invite: (shopId: string, body: InvitationCreate) =>
    http.post<Invitation>(`${shopPath(shopId)}/invitations`, body),
  revokeInvitation: (shopId: string, invitationId: string) =>
    http.delete(`${shopPath(shopId)}/invitations/${encodeURIComponent(invitationId)}`),
}
