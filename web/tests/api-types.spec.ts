/**
 * The API client is bound to openapi.json by path. These checks run in the type check
 * (`npm run typecheck` covers tests/): a wrong path, method, parameter or result type must not
 * compile. Every `@ts-expect-error` below fails the type check if its line starts to compile.
 */
import { describe, expect, expectTypeOf, it } from 'vitest'

import { adminCatalogApi } from '@/api/adminCatalog'
import { api, data, type ResponseOf, upload } from '@/api/http'
import { ordersApi, shopOrdersApi } from '@/api/orders'
import { searchApi } from '@/api/search'
import { shopsApi } from '@/api/shops'
import type {
  BrandPage,
  Media,
  Order,
  OrderSummaryPage,
  ProductSearchResult,
  Shop,
  ShopOrder,
  ShopOrderSummaryPage,
  ShopPage,
  StatusCounts,
  SynonymPage,
  VirtualNumber,
} from '@/api/types'

describe('the API client, typed by path', () => {
  it('answers the type openapi.json gives each path', () => {
    expectTypeOf<ResponseOf<'get', '/orders'>>().toEqualTypeOf<OrderSummaryPage>()
    expectTypeOf<ResponseOf<'get', '/orders/{order_id}'>>().toEqualTypeOf<Order>()
    expectTypeOf<ResponseOf<'get', '/shops/{shop_id}'>>().toEqualTypeOf<Shop>()
    expectTypeOf<ResponseOf<'post', '/shops/{shop_id}/products/{product_id}/images'>>().toEqualTypeOf<Media>()
  })

  it('gives the API modules the answers of their paths, the same as the aliases of types.ts', () => {
    expectTypeOf(ordersApi.list).returns.resolves.toEqualTypeOf<OrderSummaryPage>()
    expectTypeOf(ordersApi.counts).returns.resolves.toEqualTypeOf<StatusCounts>()
    expectTypeOf(shopOrdersApi.list).returns.resolves.toEqualTypeOf<ShopOrderSummaryPage>()
    expectTypeOf(shopOrdersApi.get).returns.resolves.toEqualTypeOf<ShopOrder>()
    expectTypeOf(shopOrdersApi.contactBuyer).returns.resolves.toEqualTypeOf<VirtualNumber>()
    expectTypeOf(shopsApi.list).returns.resolves.toEqualTypeOf<ShopPage>()
    expectTypeOf(adminCatalogApi.brands).returns.resolves.toEqualTypeOf<BrandPage>()
    expectTypeOf(adminCatalogApi.synonyms).returns.resolves.toEqualTypeOf<SynonymPage>()
    expectTypeOf(searchApi.products).returns.resolves.toEqualTypeOf<ProductSearchResult>()
  })

  it('refuses a wrong path, method, parameter, body or result type', () => {
    // Never called: only the type check reads these lines.
    const wrongCalls = async () => {
      // @ts-expect-error: no such path
      await data(api.GET('/order', {}))
      // @ts-expect-error: the API's prefix belongs to the base URL, not to the path
      await data(api.GET('/api/v1/orders', {}))
      // @ts-expect-error: /orders/counts takes no POST
      await data(api.POST('/orders/counts', {}))
      // @ts-expect-error: the path parameter is missing
      await data(api.GET('/orders/{order_id}', {}))
      // @ts-expect-error: the path parameter is misnamed
      await data(api.GET('/orders/{order_id}', { params: { path: { id: 'o1' } } }))
      // @ts-expect-error: no such order status
      await data(api.GET('/orders', { params: { query: { status: 'lost' } } }))
      // @ts-expect-error: the body lacks the required address
      await data(api.POST('/orders', { body: {} }))
      // @ts-expect-error: an order list is not a shop
      const shop: Shop = await data(api.GET('/orders'))
      // @ts-expect-error: a shop page is not an order page
      const orders: OrderSummaryPage = await shopsApi.list()
      // @ts-expect-error: an upload names a real path, with its parameters
      await upload('/shops/{shop_id}/products/{product_id}/images', { shop_id: 's1' }, new Blob())
      return [shop, orders]
    }
    expect(wrongCalls).toBeTypeOf('function')
  })
})
