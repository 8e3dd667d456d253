import { api, data } from './http'
import type { ShopStatus } from './types'

const shop = (shopId: string) => ({ params: { path: { shop_id: shopId } } })

export const adminApi = {
  shops: (status: ShopStatus, cursor?: string | null, limit = 50) =>
    data(api.GET('/admin/shops', { params: { query: { status, cursor, limit } } })),
  approve: (shopId: string) => data(api.POST('/admin/shops/{shop_id}/approve', shop(shopId))),
  reinstate: (shopId: string) => data(api.POST('/admin/shops/{shop_id}/reinstate', shop(shopId))),
  reject: (shopId: string, reason: string) =>
    data(api.POST('/admin/shops/{shop_id}/reject', { ...shop(shopId), body: { reason } })),
  suspend: (shopId: string, reason: string) =>
    data(api.POST('/admin/shops/{shop_id}/suspend', { ...shop(shopId), body: { reason } })),
}
