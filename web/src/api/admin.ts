import { http } from './http'
import type { AdminShopPage, Shop, ShopStatus } from './types'

const shopAction = (shopId: string, action: string) =>
  `/admin/shops/${encodeURIComponent(shopId)}/${action}`

export const adminApi = {
  shops: (status: ShopStatus, cursor?: string | null, limit = 50) =>
    http.get<AdminShopPage>('/admin/shops', { status, cursor, limit }),
  approve: (shopId: string) => http.post<Shop>(shopAction(shopId, 'approve')),
  reinstate: (shopId: string) => http.post<Shop>(shopAction(shopId, 'reinstate')),
  reject: (shopId: string, reason: string) =>
    http.post<Shop>(shopAction(shopId, 'reject'), { reason }),
  suspend: (shopId: string, reason: string) =>
    http.post<Shop>(shopAction(shopId, 'suspend'), { reason }),
}
