import { ANY_TYPE, api, data, download, upload, type UploadOptions } from './http'
import type { ProductCreate, ProductStatus, ProductUpdate, SkuMatrixInput, SkuUpdate } from './types'

const shop = (shopId: string) => ({ path: { shop_id: shopId } })
const product = (shopId: string, productId: string) => ({ path: { shop_id: shopId, product_id: productId } })

/** What buyers read: the category tree, brands and product pages. */
export const catalogApi = {
  /** The enabled category tree, nested. */
  categories: () => data(api.GET('/categories')),
  /** One category with its breadcrumb, enabled children and spec template. */
  category: (categoryId: string) =>
    data(api.GET('/categories/{category_id}', { params: { path: { category_id: categoryId } } })),
  brands: (q?: string, cursor?: string | null, limit = 50) =>
    data(api.GET('/brands', { params: { query: { q, cursor, limit } } })),
  product: (productId: string) => data(api.GET('/products/{product_id}', { params: { path: { product_id: productId } } })),
}

export interface ShopProductQuery {
  status?: ProductStatus
  q?: string
  cursor?: string | null
  limit?: number
}

/** A shop's own products (商品管理), for its members. */
export const merchantProductsApi = {
  list: (shopId: string, query: ShopProductQuery = {}) =>
    data(
      api.GET('/shops/{shop_id}/products', {
        params: {
          ...shop(shopId),
          query: { status: query.status, q: query.q, cursor: query.cursor, limit: query.limit ?? 20 },
        },
      }),
    ),
  get: (shopId: string, productId: string) =>
    data(api.GET('/shops/{shop_id}/products/{product_id}', { params: product(shopId, productId) })),
  create: (shopId: string, body: ProductCreate) => data(api.POST('/shops/{shop_id}/products', { params: shop(shopId), body })),
  update: (shopId: string, productId: string, body: ProductUpdate) =>
    data(api.PATCH('/shops/{shop_id}/products/{product_id}', { params: product(shopId, productId), body })),
  /** Replace the spec/SKU matrix; unchanged combinations keep their SKU ids. */
  replaceSkus: (shopId: string, productId: string, body: SkuMatrixInput) =>
    data(api.PUT('/shops/{shop_id}/products/{product_id}/skus', { params: product(shopId, productId), body })),
  publish: (shopId: string, productId: string) =>
    data(api.POST('/shops/{shop_id}/products/{product_id}/publish', { params: product(shopId, productId) })),
  offShelf: (shopId: string, productId: string) =>
    data(api.POST('/shops/{shop_id}/products/{product_id}/off-shelf', { params: product(shopId, productId) })),
  /** Only drafts can be deleted. */
  remove: (shopId: string, productId: string) =>
    data(api.DELETE('/shops/{shop_id}/products/{product_id}', { params: product(shopId, productId) })),
  updateSku: (shopId: string, skuId: string, body: SkuUpdate) =>
    data(api.PATCH('/shops/{shop_id}/skus/{sku_id}', { params: { path: { shop_id: shopId, sku_id: skuId } }, body })),

  importTemplate: (shopId: string, format: 'csv' | 'xlsx') =>
    download(
      api.GET('/shops/{shop_id}/product-imports/template', {
        params: { ...shop(shopId), query: { format } },
        parseAs: 'blob',
        headers: ANY_TYPE,
      }),
    ),
  importProducts: (shopId: string, file: File, options: UploadOptions = {}) =>
    upload('/shops/{shop_id}/product-imports', { shop_id: shopId }, file, options),
}
