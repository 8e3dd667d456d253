/**
 * API shapes, taken from the backend's OpenAPI document.
 *
 * schema.d.ts is generated from openapi.json by `npm run gen:api` (openapi-typescript);
 * the backend writes openapi.json with `jishi openapi`. Never edit schema.d.ts by hand:
 * regenerate it, and let the type check show what changed.
 */
import type { components, operations } from './schema'

type Schemas = components['schemas']

export type User = Schemas['UserOut']
export type Role = User['roles'][number]
export type AuthResult = Schemas['TokenOut']
export type RegisterInput = Schemas['RegisterIn']
export type LoginInput = Schemas['LoginIn']
export type ProfileUpdate = Schemas['ProfileUpdateIn']

export type Address = Schemas['AddressOut']
export type AddressInput = Schemas['AddressIn']

export type Shop = Schemas['ShopOut']
export type ShopStatus = Shop['status']
export type MyShop = Schemas['MyShopOut']
export type MemberRole = MyShop['role']
export type ShopCreate = Schemas['ShopApplyIn']
export type ShopUpdate = Schemas['ShopUpdateIn']
export type Member = Schemas['MemberOut']
export type Invitation = Schemas['InvitationOut']
export type InvitationStatus = Invitation['status']
export type InvitationCreate = Schemas['InviteIn']
export type ShopOwner = Schemas['OwnerOut']
export type AdminShop = Schemas['AdminShopOut']
export type ReasonInput = Schemas['ReasonIn']

/** One page of a list: `{items, next_cursor}`; pass `next_cursor` back as `cursor`. */
export type AddressPage = Schemas['Page_AddressOut_']
export type AdminShopPage = Schemas['Page_AdminShopOut_']
export type InvitationPage = Schemas['Page_InvitationOut_']
export type MemberPage = Schemas['Page_MemberOut_']
export type MyShopPage = Schemas['Page_MyShopOut_']
export type ShopPage = Schemas['Page_ShopOut_']

// ---- catalog ------------------------------------------------------------------------------

export type Category = Schemas['CategoryOut']
export type CategoryNode = Schemas['CategoryNode']
export type CategoryDetail = Schemas['CategoryDetailOut']
export type CategoryCreate = Schemas['CategoryIn']
export type CategoryUpdate = Schemas['CategoryUpdateIn']
export type SpecTemplateItem = Schemas['SpecTemplateItem']
export type Brand = Schemas['BrandOut']
export type BrandCreate = Schemas['BrandIn']
export type BrandUpdate = Schemas['BrandUpdateIn']
export type BrandPage = Schemas['Page_BrandOut_']

export type ProductStatus = Schemas['ProductOut']['status']
/** A product as its shop sees it. */
export type ShopProduct = Schemas['ProductOut']
export type ShopSku = Schemas['SkuOut']
export type ShopProductListItem = Schemas['ProductListItem']
export type ShopProductPage = Schemas['Page_ProductListItem_']
export type ProductCreate = Schemas['ProductIn']
export type ProductUpdate = Schemas['ProductUpdateIn']
export type ProductSpecInput = Schemas['ProductSpecIn']
export type SkuInput = Schemas['SkuIn']
export type SkuMatrixInput = Schemas['SkuMatrixIn']
export type SkuUpdate = Schemas['SkuUpdateIn']
export type ProductStatusResult = Schemas['StatusOut']
export type ImportReport = Schemas['ImportReportOut']
export type ImportRowError = Schemas['ImportRowError']

/** The buyer's product page. */
export type ProductDetail = Schemas['ProductDetailOut']
export type PublicSku = Schemas['PublicSkuOut']

// ---- media --------------------------------------------------------------------------------

export type Media = Schemas['MediaOut']
export type MediaUrls = Schemas['MediaUrls']
export type MediaPage = Schemas['Page_MediaOut_']
export type MediaUpdate = Schemas['MediaUpdateIn']

// ---- search -------------------------------------------------------------------------------

export type SearchSort = NonNullable<NonNullable<operations['search_products_api_v1_products_get']['parameters']['query']>['sort']>
export type ProductHit = Schemas['ProductHitOut']
export type ProductSearchResult = Schemas['ProductSearchOut']
export type SearchFacets = Schemas['FacetsOut']
export type CategoryFacet = Schemas['CategoryFacet']
export type BrandFacet = Schemas['BrandFacet']
export type PriceRangeFacet = Schemas['PriceRangeFacet']
export type SpecFacet = Schemas['SpecFacet']
export type Suggestion = Schemas['SuggestionOut']
export type SuggestionPage = Schemas['Page_SuggestionOut_']
export type HotQuery = Schemas['HotQueryOut']
export type HotQueryPage = Schemas['Page_HotQueryOut_']
export type Synonym = Schemas['SynonymOut']
export type SynonymInput = Schemas['SynonymIn']
export type SynonymPage = Schemas['Page_SynonymOut_']

// ---- cart, checkout, orders ---------------------------------------------------------------

export type Cart = Schemas['CartOut']
export type CartShop = Schemas['CartShopOut']
export type CartItem = Schemas['CartItemOut']
export type LineWarning = Schemas['LineWarning']
export type CartItemInput = Schemas['CartItemIn']
export type CartItemPatch = Schemas['CartItemPatch']
export type CartSelection = Schemas['SelectionIn']

export type CheckoutInput = Schemas['CheckoutIn']
export type CheckoutItem = Schemas['OrderItemIn']
export type ShopOptions = Schemas['ShopOptionsIn']
export type CheckoutPreview = Schemas['PreviewOut']
export type PreviewShop = Schemas['PreviewShopOut']
export type PreviewLine = Schemas['PreviewLineOut']
export type Adjustment = Schemas['AdjustmentOut']
export type CheckoutResult = Schemas['CheckoutOut']

export type Order = Schemas['OrderOut']
export type OrderStatus = Order['status']
export type OrderSummary = Schemas['OrderSummaryOut']
export type OrderSummaryPage = Schemas['Page_OrderSummaryOut_']
export type OrderLine = Schemas['OrderLineOut']
export type ShippingAddress = Schemas['ShippingAddressOut']
/** An order as its shop sees it: the contact masked, null before payment and once cancelled. */
export type ShopOrder = Schemas['ShopOrderOut']
export type ShopOrderSummary = Schemas['ShopOrderSummaryOut']
export type ShopOrderSummaryPage = Schemas['Page_ShopOrderSummaryOut_']
export type ShopContact = Schemas['ShopContactOut']
export type VirtualNumber = Schemas['VirtualNumberOut']
export type TimelineEntry = Schemas['TimelineEntryOut']
export type StatusCounts = Schemas['StatusCountsOut']
export type CancelInput = Schemas['CancelIn']
export type OrderStatusResult = Schemas['OrderStatusOut']
export type ShipInput = Schemas['ShipIn']
export type Carrier = Schemas['CarrierOut']
export type LowStockItem = Schemas['LowStockOut']
export type LowStockPage = Schemas['Page_LowStockOut_']

// ---- payments -----------------------------------------------------------------------------

export type Payment = Schemas['PaymentOut']
export type PaymentStatus = Payment['status']
export type PayChannel = Schemas['PayIn']['channel']
export type PayInput = Schemas['PayIn']
export type PayResult = Schemas['PayOut']
export type PayAction = Schemas['PayActionOut']
