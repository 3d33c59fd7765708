"""The people and businesses of the demo world: the officials of the hubs, the SMEs with
their members and their catalogues under real HS codes, and the buyer on the customs watch
list. Data only; ``world_build`` makes them (``world.py``)."""

from hubs.validators import uscc_check_character

DEMO_DOMAIN = "demo.ewtp-hub.example"

# (email, full name, official role, posted hub, superuser)
OFFICIALS = [
    (f"admin@{DEMO_DOMAIN}", "Hub Administrator", "", None, True),
    (f"officer@{DEMO_DOMAIN}", "Aisyah Rahman", "mdec_officer", None, False),
    (f"customs.kul@{DEMO_DOMAIN}", "Kumar Subramaniam", "customs_officer", "KUL", False),
    (f"operator.kul@{DEMO_DOMAIN}", "Lim Wei Jie", "hub_operator", "KUL", False),
    (f"customs.hgh@{DEMO_DOMAIN}", "Zhang Min", "customs_officer", "HGH", False),
    (f"operator.hgh@{DEMO_DOMAIN}", "Chen Hao", "hub_operator", "HGH", False),
]


def uscc(body17: str) -> str:
    return body17 + uscc_check_character(body17)


# legal name, country, hub, registration no., sector, size, verification, members, products
# products: (sku, title en, title ms, title zh, HS code, price, kg, stock)
ORGANIZATIONS = [
    (
        "Batik Nusantara Sdn. Bhd.",
        "MY",
        "KUL",
        "201901012345",
        "fashion",
        "small",
        "approved",
        [
            (f"owner@{DEMO_DOMAIN}", "Nurul Huda", "owner"),
            (f"staff@{DEMO_DOMAIN}", "Farid Ismail", "staff"),
        ],
        [
            (
                "BN-SCARF-01",
                "Hand-drawn batik silk scarf",
                "Selendang sutera batik lukisan tangan",
                "手绘蜡染真丝围巾",
                "621410",
                "89.90",
                "0.150",
                120,
            ),
            (
                "BN-KNIT-02",
                "Cotton cardigan with batik trim",
                "Kardigan kapas bertepi batik",
                "蜡染镶边棉质开衫",
                "611020",
                "129.00",
                "0.450",
                60,
            ),
            (
                "BN-BAG-03",
                "Leather handbag with songket panel",
                "Beg tangan kulit berpanel songket",
                "",
                "420221",
                "259.00",
                "0.900",
                25,
            ),
        ],
    ),
    (
        "Kopi Borneo Enterprise",
        "MY",
        "KUL",
        "202003045678",
        "food",
        "micro",
        "approved",
        [(f"owner.kopi@{DEMO_DOMAIN}", "Jason Lo", "owner")],
        [
            (
                "KB-LIBERICA-250",
                "Sabah Liberica coffee, roasted beans 250 g",
                "Kopi Liberica Sabah, biji panggang 250 g",
                "沙巴利比里卡咖啡豆（烘焙）250克",
                "090121",
                "38.00",
                "0.280",
                400,
            ),
            (
                "KB-CHOC-70",
                "Dark chocolate 70% with Borneo cocoa",
                "Coklat gelap 70% koko Borneo",
                "",
                "180690",
                "18.50",
                "0.120",
                800,
            ),
        ],
    ),
    (
        "Penang Circuit Works Sdn. Bhd.",
        "MY",
        "KUL",
        "201501023456",
        "electronics",
        "medium",
        "approved",
        [(f"owner.pcw@{DEMO_DOMAIN}", "Tan Mei Ling", "owner")],
        [
            (
                "PCW-GW-4G",
                "Industrial 4G IoT gateway",
                "Get laluan IoT 4G industri",
                "工业4G物联网网关",
                "851762",
                "685.00",
                "0.600",
                80,
            )
        ],
    ),
    (
        "Songket Heritage Crafts",
        "MY",
        "KUL",
        "202103098765",
        "crafts",
        "micro",
        "submitted",
        [(f"owner.songket@{DEMO_DOMAIN}", "Wan Zaleha", "owner")],
        [
            (
                "SH-CUSH-01",
                "Songket cushion cover",
                "Sarung kusyen songket",
                "",
                "940490",
                "75.00",
                "0.300",
                40,
            )
        ],
    ),
    (
        "Herba Sihat Sdn. Bhd.",
        "MY",
        "KUL",
        "201801076543",
        "beauty",
        "small",
        "more_info",
        [(f"owner.herba@{DEMO_DOMAIN}", "Rosnah Abdullah", "owner")],
        [
            (
                "HS-SERUM-30",
                "Tongkat ali face serum 30 ml",
                "Serum muka tongkat ali 30 ml",
                "",
                "330499",
                "59.00",
                "0.090",
                150,
            )
        ],
    ),
    (
        "Nyonya Glow Cosmetics Sdn. Bhd.",
        "MY",
        "KUL",
        "201701054321",
        "beauty",
        "small",
        "approved",
        [(f"owner.nyonya@{DEMO_DOMAIN}", "Melissa Ong", "owner")],
        [
            (
                "NG-CREAM-50",
                "Bird's nest moisturising cream 50 ml",
                "Krim pelembap sarang burung 50 ml",
                "燕窝保湿霜 50毫升",
                "330499",
                "79.00",
                "0.120",
                500,
            ),
            (
                "NG-LIP-04",
                "Matte lipstick, Peranakan red",
                "Gincu matte, merah Peranakan",
                "哑光口红 娘惹红",
                "330410",
                "39.00",
                "0.030",
                900,
            ),
        ],
    ),
    (
        "Rimba Teak Furniture Sdn. Bhd.",
        "MY",
        "KUL",
        "201201034567",
        "home",
        "medium",
        "approved",
        [(f"owner.rimba@{DEMO_DOMAIN}", "Ahmad Fauzi", "owner")],
        [
            (
                "RT-SIDE-45",
                "Solid teak side table 45 cm",
                "Meja sisi jati padu 45 cm",
                "实心柚木边桌 45厘米",
                "940360",
                "420.00",
                "6.500",
                60,
            ),
        ],
    ),
    (
        "Klang Valley Gadgets Enterprise",
        "MY",
        "KUL",
        "202201067890",
        "electronics",
        "micro",
        "approved",
        [(f"owner.gadgets@{DEMO_DOMAIN}", "Arjun Pillai", "owner")],
        [
            (
                "KVG-GAN-65",
                "65 W GaN USB-C charger",
                "Pengecas USB-C GaN 65 W",
                "65瓦氮化镓USB-C充电器",
                "850440",
                "99.00",
                "0.110",
                1200,
            ),
        ],
    ),
    (
        "Hangzhou West Lake Tea Trading Co., Ltd.",
        "CN",
        "HGH",
        uscc("91330106MA2B1C2D3"),
        "food",
        "small",
        "approved",
        [(f"buyer@{DEMO_DOMAIN}", "Chen Jing", "owner")],
        [
            (
                "WL-LONGJING-100",
                "West Lake Longjing green tea 100 g",
                "Teh hijau Longjing Tasik Barat 100 g",
                "西湖龙井绿茶 100克",
                "090210",
                "168.00",
                "0.150",
                300,
            )
        ],
    ),
    (
        "Zhejiang Silk Road Imports Co., Ltd.",
        "CN",
        "HGH",
        uscc("91330100MA27XY5Q8"),
        "home",
        "medium",
        "draft",
        [(f"owner.silkroad@{DEMO_DOMAIN}", "Wang Lei", "owner")],
        [],
    ),
    (
        "Ningbo Harbour Home Goods Co., Ltd.",
        "CN",
        "HGH",
        uscc("91330201MA2H4K7P1"),
        "home",
        "small",
        "approved",
        [(f"owner.ningbo@{DEMO_DOMAIN}", "Zhou Yan", "owner")],
        [],
    ),
]


WATCH_LISTED = "Hangzhou West Lake Tea Trading Co., Ltd."
