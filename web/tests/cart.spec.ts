import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import type { Cart } from '@/api/types'
import { allSelected, checkoutItemIds, orphanItems, useCartStore } from '@/stores/cart'
import CartView from '@/views/storefront/CartView.vue'
import { json, mockFetch, problem, type RecordedCall } from './helpers'
import { mountView, settle } from './mount'
import { cartItem, cartOf } from './shopping-fixtures'

afterEach(() => {
  vi.unstubAllGlobals()
  document.body.innerHTML = ''
})

/** A response the test releases when it wants, to see what runs while a request is open. */
function deferred() {
  let release!: (response: Response) => void
  const promise = new Promise<Response>((resolve) => {
    release = resolve
  })
  return { promise, release }
}

describe('cart helpers', () => {
  const cart = cartOf([
    cartItem('a'),
    cartItem('b', { selected: false }),
    cartItem('c', { purchasable: false, warnings: [{ code: 'out_of_stock', message: '已售罄', blocking: true }] }),
    cartItem('d', { shop_id: null, product_id: null, title: null, unit_price_fen: null, purchasable: false }),
  ])

  it('orders only the selected purchasable lines', () => {
    expect(checkoutItemIds(cart)).toEqual(['a'])
    expect(checkoutItemIds(null)).toEqual([])
  })

  it('keeps lines of vanished products apart', () => {
    expect(orphanItems(cart).map((i) => i.id)).toEqual(['d'])
  })

  it('calls a group fully selected when every purchasable line is', () => {
    expect(allSelected(cart.items)).toBe(false)
    expect(allSelected([cartItem('a'), cartItem('c', { purchasable: false, selected: false })])).toBe(true)
    expect(allSelected([cartItem('c', { purchasable: false })])).toBe(false)
  })
})

describe('cart store', () => {
  beforeEach(() => setActivePinia(createPinia()))

  it('adds a SKU, then shows the cart the server priced (the badge count follows)', async () => {
    const calls = mockFetch((call) =>
      call.method === 'POST' ? json(201, cartItem('a', { quantity: 2 })) : json(200, cartOf([cartItem('a', { quantity: 2 })])),
    )
    const cart = useCartStore()
    expect(cart.count).toBe(0)
    await cart.add('sku-a', 2)

    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['POST /api/v1/cart/items', 'GET /api/v1/cart'])
    expect(calls[0]?.body).toEqual({ sku_id: 'sku-a', quantity: 2 })
    expect(cart.count).toBe(1)
  })

  it('sends quick quantity changes one after another, in order', async () => {
    const patches: { call: RecordedCall; gate: ReturnType<typeof deferred> }[] = []
    let server = cartOf([cartItem('a')])
    const calls = mockFetch((call) => {
      if (call.method === 'PATCH') {
        const gate = deferred()
        patches.push({ call, gate })
        return gate.promise
      }
      return json(200, server)
    })
    const cart = useCartStore()
    await cart.load()

    const first = cart.setQuantity('a', 2)
    const second = cart.setQuantity('a', 3)
    await settle()
    // The local line follows at once; only the first change is on its way.
    expect(cart.cart?.items[0]?.quantity).toBe(3)
    expect(patches.map((p) => p.call.body)).toEqual([{ quantity: 2 }])

    patches[0]!.gate.release(json(200, cartItem('a', { quantity: 2 })))
    await settle()
    expect(patches.map((p) => p.call.body)).toEqual([{ quantity: 2 }, { quantity: 3 }])
    // No fetch between the two: the line does not flick back to 2.
    expect(calls.filter((c) => c.method === 'GET')).toHaveLength(1)
    expect(cart.cart?.items[0]?.quantity).toBe(3)

    server = cartOf([cartItem('a', { quantity: 3, subtotal_fen: 5970 })])
    patches[1]!.gate.release(json(200, cartItem('a', { quantity: 3 })))
    await Promise.all([first, second])
    expect(cart.cart?.items[0]?.quantity).toBe(3)
    expect(cart.cart?.total_fen).toBe(5970)
  })

  it('undoes a refused change by fetching the cart again, and reports the refusal', async () => {
    mockFetch((call) =>
      call.method === 'PATCH' ? problem(422, 'validation_error', '数量为 1–999') : json(200, cartOf([cartItem('a', { quantity: 4 })])),
    )
    const cart = useCartStore()
    await cart.load()
    await expect(cart.setQuantity('a', 1000)).rejects.toMatchObject({ status: 422 })
    expect(cart.cart?.items[0]?.quantity).toBe(4)
  })

  it('keeps the newest answer when an older fetch arrives late', async () => {
    const gates: ReturnType<typeof deferred>[] = []
    mockFetch(() => {
      const gate = deferred()
      gates.push(gate)
      return gate.promise
    })
    const cart = useCartStore()
    const older = cart.load()
    const newer = cart.load()
    gates[1]!.release(json(200, cartOf([cartItem('new')])))
    await newer
    gates[0]!.release(json(200, cartOf([cartItem('old')])))
    await older
    expect(cart.cart?.items.map((i) => i.id)).toEqual(['new'])
  })

  it('selects a whole shop in one request and takes the cart it answers', async () => {
    const calls = mockFetch((call) => {
      if (call.url.endsWith('/cart/selection')) return json(200, cartOf([cartItem('a', { selected: false }), cartItem('b', { selected: false })]))
      return json(200, cartOf([cartItem('a'), cartItem('b')]))
    })
    const cart = useCartStore()
    await cart.load()
    await cart.select(false, ['a', 'b'])
    expect(calls.at(-1)?.body).toEqual({ selected: false, item_ids: ['a', 'b'] })
    expect(cart.cart?.selected_count).toBe(0)
  })
})

describe('cart page', () => {
  function twoShops(): Cart {
    return cartOf([
      cartItem('a', { shop_id: 's1', quantity: 2, subtotal_fen: 3980 }),
      cartItem('b', {
        shop_id: 's2',
        purchasable: false,
        selected: false,
        available: 0,
        warnings: [{ code: 'out_of_stock', message: '该商品已售罄', blocking: true }],
      }),
      cartItem('c', {
        shop_id: 's2',
        unit_price_fen: 2500,
        price_when_added_fen: 1990,
        warnings: [{ code: 'repriced', message: '价格已从 ¥19.90 变为 ¥25.00', blocking: false }],
      }),
    ])
  }

  it('groups lines by shop, shows their problems and greys out what cannot be bought', async () => {
    mockFetch(() => json(200, twoShops()))
    const { wrapper } = await mountView(CartView, '/cart')

    const shops = wrapper.findAll('[data-testid="cart-shop"]')
    expect(shops.map((s) => s.attributes('data-shop-id'))).toEqual(['s1', 's2'])
    const soldOut = wrapper.get('[data-testid="cart-line"][data-item-id="b"]')
    expect(soldOut.attributes('data-purchasable')).toBe('false')
    expect(soldOut.classes()).toContain('is-unavailable')
    expect(soldOut.get('[data-testid="cart-warning"]').text()).toBe('该商品已售罄')
    expect(soldOut.find('.el-checkbox.is-disabled').exists()).toBe(true)
    expect(wrapper.get('[data-testid="cart-line"][data-item-id="c"] [data-testid="cart-warning"]').attributes('data-code')).toBe('repriced')
    expect(wrapper.get('[data-testid="cart-total"]').attributes('data-total-fen')).toBe('5970')
    expect(wrapper.get('[data-testid="cart-checkout"]').attributes('disabled')).toBeUndefined()
  })

  it('offers no checkout while nothing purchasable is selected', async () => {
    mockFetch(() => json(200, cartOf([cartItem('a', { selected: false })])))
    const { wrapper } = await mountView(CartView, '/cart')
    expect(wrapper.get('[data-testid="cart-checkout"]').attributes('disabled')).toBeDefined()
  })

  it('goes to checkout with the cart selection', async () => {
    mockFetch(() => json(200, twoShops()))
    const { wrapper, router } = await mountView(CartView, '/cart')
    await wrapper.get('[data-testid="cart-checkout"]').trigger('click')
    await settle()
    expect(router.currentRoute.value.fullPath).toBe('/checkout?from=cart')
  })

  it('says so when the cart is empty', async () => {
    mockFetch(() => json(200, cartOf([])))
    const { wrapper } = await mountView(CartView, '/cart')
    expect(wrapper.find('[data-testid="cart-empty"]').exists()).toBe(true)
  })
})
