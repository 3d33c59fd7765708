"""The buyers and the bank: a marketplace's consumers and the businesses on the e-road
place orders, some cancel, the bank reports the payments of the others."""

import heapq

from hubs.models import Order, Product
from hubs.services.orders import order_cancel
from hubs.services.placement import Consumer, LineRequest, OrderRequest, order_place
from hubs.validators import cn_resident_id_check_character
from payments.services.intents import BankTransfer, payment_receive

from .simulation_clock import GUARANTEED, SimulationClock, owner_of

CONSUMERS = [
    ("Li Na", "88 Wensan Road, Xihu District, Hangzhou"),
    ("Wang Fang", "12 Jiefang Road, Shangcheng District, Hangzhou"),
    ("Zhang Wei", "301 Moganshan Road, Gongshu District, Hangzhou"),
    ("Liu Yang", "66 Binsheng Road, Binjiang District, Hangzhou"),
    ("Chen Xiu", "9 Qiutao Road, Shangcheng District, Hangzhou"),
    ("Yang Min", "150 Zhongshan Road, Ningbo"),
]
# (buyer, seller, skus) of the business trade on the e-road, both ways
B2B = [
    ("Hangzhou West Lake Tea Trading Co., Ltd.", "Batik Nusantara Sdn. Bhd.", ["BN-SCARF-01"]),
    ("Hangzhou West Lake Tea Trading Co., Ltd.", "Kopi Borneo Enterprise", ["KB-LIBERICA-250"]),
    ("Ningbo Harbour Home Goods Co., Ltd.", "Rimba Teak Furniture Sdn. Bhd.", ["RT-SIDE-45"]),
    ("Ningbo Harbour Home Goods Co., Ltd.", "Batik Nusantara Sdn. Bhd.", ["BN-KNIT-02"]),
    ("Zhejiang Silk Road Imports Co., Ltd.", "Nyonya Glow Cosmetics Sdn. Bhd.", ["NG-CREAM-50"]),
    ("Zhejiang Silk Road Imports Co., Ltd.", "Klang Valley Gadgets Enterprise", ["KVG-GAN-65"]),
    ("Batik Nusantara Sdn. Bhd.", "Hangzhou West Lake Tea Trading Co., Ltd.", ["WL-LONGJING-100"]),
]
# what a marketplace's consumers buy (cross-border retail into China)
B2C = [
    ("Nyonya Glow Cosmetics Sdn. Bhd.", ["NG-LIP-04", "NG-CREAM-50"]),
    ("Kopi Borneo Enterprise", ["KB-LIBERICA-250", "KB-CHOC-70"]),
    ("Klang Valley Gadgets Enterprise", ["KVG-GAN-65"]),
    ("Batik Nusantara Sdn. Bhd.", ["BN-SCARF-01"]),
]


class Ordering(SimulationClock):
    def place(self, n: int, total: int) -> None:
        fates = set()
        # spread over the first half of the orders, once each, so each has time to happen
        every = total // (2 * len(GUARANTEED))
        for index, path in enumerate(GUARANTEED):
            if every and n == index * every:
                fates.add(path)
        shown = set(fates)  # the path this order is the demo's guaranteed case of
        for path in ("unpaid", "cancelled", "heavy", "lost"):
            if self.roll(path):
                fates.add(path)
        if shown & {"heavy", "lost", "dispute"}:
            # the order that is to show one of these goes far enough to show it: it is paid
            # and not cancelled (the dice are thrown all the same: the same world follows)
            for path in fates & {"unpaid", "cancelled"}:
                fates.discard(path)
                self.counts[path] -= 1
        # a marketplace's consumer, or a business (only a business buyer opens disputes)
        consumer = "dispute" not in fates and self.random.random() < 0.45
        order = self._consumer_order(n) if consumer else self._business_order()
        if order is None:
            return
        self.fates[order.pk] = fates
        heapq.heappush(self.payment_windows, order.expires_at)  # unpaid by then, it expires
        if "cancelled" in fates:
            self.later(1, 10, self.cancel, order.pk)
        elif "unpaid" not in fates:
            self.later(0.5, 30, self.pay, order.pk)

    def _consumer_order(self, n: int) -> Order | None:
        seller_name, skus = self.random.choice(B2C)
        name, address = self.random.choice(CONSUMERS)
        lines = self._lines(seller_name, skus, most=3)
        if not lines:
            return None
        return order_place(
            request=OrderRequest(
                seller=self.world.organizations[seller_name],
                destination_hub=self.world.hubs["HGH"],
                channel=self.world.channel,
                incoterm="DDP" if self.random.random() < 0.7 else "DAP",
                lines=lines,
                consumer=Consumer(
                    name=name, address=address, country="CN", id_reference=resident_id(n)
                ),
            ),
            actor=None,
            actor_label=f"API client {self.world.channel.application.name}",
        )

    def _business_order(self) -> Order | None:
        buyer_name, seller_name, skus = self.random.choice(B2B)
        buyer = self.world.organizations[buyer_name]
        lines = self._lines(seller_name, skus, most=40)
        if not lines:
            return None
        return order_place(
            request=OrderRequest(
                seller=self.world.organizations[seller_name],
                destination_hub=buyer.home_hub,
                buyer=buyer,
                incoterm=self.random.choice(["DAP", "DAP", "DDP"]),
                lines=lines,
                payment_currency=buyer.currency,  # settled to the seller in its own
            ),
            actor=owner_of(buyer),
        )

    def _lines(self, seller_name: str, skus: list[str], most: int) -> list[LineRequest]:
        products = Product.objects.filter(
            seller=self.world.organizations[seller_name], sku__in=skus, is_active=True
        ).order_by("pk")
        lines = []
        for product in products:
            quantity = self.random.randint(1, most)
            if product.stock < quantity:
                Product.objects.filter(pk=product.pk).update(stock=product.stock + 500)  # restocked
            lines.append(LineRequest(product.pk, quantity))
        return lines

    def cancel(self, order_id: int) -> None:
        order = Order.objects.get(pk=order_id)
        actor = owner_of(order.buyer) if order.buyer_id else None
        order_cancel(order=order, actor=actor, reason="Ordered by mistake", actor_label="buyer")

    def pay(self, order_id: int) -> None:
        order = Order.objects.select_related("payment_intent").get(pk=order_id)
        if order.status != Order.Status.AWAITING_PAYMENT:
            return
        intent = order.payment_intent
        payment_receive(
            order_reference=order.reference,
            transfer=BankTransfer(
                bank=self.world.bank,
                bank_reference=f"DEMO-{order.reference}",
                amount=intent.amount,
                payer_name=order.buyer_label,
                # a consumer pays in person: the bank reports the identity customs matches
                payer_id_reference=order.consumer_id_reference,
            ),
        )
        self.later(4, 40, self.drop_off, order_id)


def resident_id(n: int) -> str:
    """A well-formed Chinese resident ID (GB 11643 check character) per demo consumer."""
    first17 = f"330106{19800101 + n % 28 + (n // 28 % 12) * 100:08d}{n % 1000:03d}"
    return first17 + cn_resident_id_check_character(first17)
