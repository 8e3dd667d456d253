"""The sandbox gateway's hosted cashier page (收银台): one self-contained HTML document."""

from __future__ import annotations

from html import escape
from string import Template

from jishi.core.money import format_yuan
from jishi.payments.models import SandboxTrade

_PAGE = Template("""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>$title · 沙箱支付</title>
<style>
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:flex-start;justify-content:center;
  background:#f2f4f7;color:#1f2329;padding:24px 16px;
  font:16px/1.6 -apple-system,BlinkMacSystemFont,"PingFang SC","Microsoft YaHei",sans-serif}
main{width:100%;max-width:420px;background:#fff;border-radius:12px;padding:24px;
  box-shadow:0 2px 12px rgba(0,0,0,.08)}
.badge{margin:0 0 16px;padding:6px 10px;border-radius:6px;background:#fff7e6;color:#ad6800;
  border:1px solid #ffd591;font-size:13px}
h1{margin:0 0 16px;font-size:20px}
dl{margin:0 0 8px;display:grid;grid-template-columns:auto 1fr;gap:4px 12px;font-size:14px}
dt{color:#646a73}
dd{margin:0;word-break:break-all}
.amount{margin:16px 0 24px;font-size:36px;font-weight:600;text-align:center;color:#1f2329}
button{width:100%;padding:12px;border:0;border-radius:8px;background:#1677ff;color:#fff;
  font-size:17px;cursor:pointer}
button:hover{background:#0958d9}
.link{display:block;margin-top:16px;text-align:center;color:#646a73;font-size:14px}
.state{margin:0;padding:12px;border-radius:8px;text-align:center;font-weight:600}
.paid{background:#f6ffed;color:#389e0d}
.closed{background:#f5f5f5;color:#8c8c8c}
</style>
</head>
<body>
<main>
<p class="badge">沙箱支付 Sandbox · 仅用于开发与测试，不会产生真实扣款</p>
<h1>$title</h1>
$details
$body
</main>
</body>
</html>
""")

_WAITING = Template("""<form method="post" action="$confirm_url">
<button type="submit" data-testid="sandbox-confirm">确认支付 $amount</button>
</form>
<a class="link" href="$return_url" data-testid="sandbox-cancel">取消支付，返回商户</a>""")

_FINISHED = Template("""<p class="state $css" data-testid="sandbox-state">$state</p>
<a class="link" href="$return_url">返回商户</a>""")

_STATES = {"paid": ("paid", "支付成功"), "closed": ("closed", "交易已关闭")}


def cashier_page(trade: SandboxTrade, *, confirm_url: str) -> str:
    """The page for one trade: a confirm button while it waits, its state once paid or closed."""
    amount = escape(format_yuan(trade.amount_fen))
    return_url = escape(trade.return_url)
    if trade.status == "waiting":
        body = _WAITING.substitute(confirm_url=escape(confirm_url), amount=amount, return_url=return_url)
    else:
        css, state = _STATES.get(trade.status, ("closed", trade.status))
        body = _FINISHED.substitute(css=css, state=escape(state), return_url=return_url)
    details = (
        f"<dl><dt>商品</dt><dd>{escape(trade.subject)}</dd>"
        f"<dt>商户订单号</dt><dd>{escape(trade.out_trade_no)}</dd>"
        f"<dt>交易号</dt><dd>{escape(trade.gateway_trade_no)}</dd></dl>"
        f'<p class="amount" data-testid="sandbox-amount">{amount}</p>'
    )
    return _PAGE.substitute(title="收银台", details=details, body=body)


def missing_page() -> str:
    body = '<p class="state closed" data-testid="sandbox-state">交易不存在</p>'
    return _PAGE.substitute(title="收银台", details="", body=body)
