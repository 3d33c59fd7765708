"""Listings, the HS picker, bulk import, and the buyers' catalogue."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from moneyed import Money

from hubs.models import Product, ProductImport
from hubs.services.imports import COLUMNS, product_import_run
from tests import factories

pytestmark = pytest.mark.django_db

GOOD = factories.LISTING_FORM


def test_seller_lists_a_product_priced_in_its_currency(client, seller_owner):
    client.force_login(seller_owner)
    response = client.post("/products/new/", GOOD)
    assert response.status_code == 302
    product = Product.objects.get()
    assert product.unit_price == Money("89.90", "MYR")
    assert product.hs_code == "621410"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hs_code", "999999", "not a subheading"),
        ("hs_code", "62141", "6 digits, or 8 to 10"),
        ("unit_price", "0", "greater than or equal to 0.01"),
        ("unit_price", "1.005", "at most 2 decimal places"),
        ("unit_weight_kg", "0", "Between 0.001"),
        ("length_cm", "500", "Between 0.1 and 300"),
        ("width_cm", "0", "Between 0.1 and 300"),
        ("height_cm", "abc", "Enter a number"),
        ("description_en", "", "required"),
        ("title_ms", "x" * 201, "at most 200"),
        ("stock", "2000000", "At most 1,000,000"),
        ("sku", "bad sku!", "letters, digits"),
        ("title_en", "", "required"),
        ("origin_country", "XX", "not a country code"),
        ("stock", "-1", "greater than or equal to 0"),
    ],
)
def test_listing_fields_are_validated(client, seller_owner, field, value, message):
    client.force_login(seller_owner)
    response = client.post("/products/new/", {**GOOD, field: value})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Product.objects.exists()


def test_sku_is_unique_per_seller_only(client, seller_owner):
    client.force_login(seller_owner)
    client.post("/products/new/", GOOD)
    again = client.post("/products/new/", GOOD)
    assert "already have a product with this SKU" in again.content.decode()
    factories.ProductFactory(sku="BTK-001")  # another seller may use it
    assert Product.objects.filter(sku="BTK-001").count() == 2


def test_title_is_shown_in_the_visitors_language(client, seller_owner):
    from django.utils import translation

    client.force_login(seller_owner)
    client.post("/products/new/", GOOD)
    product = Product.objects.get()
    with translation.override("ms"):
        assert product.title == "Selendang sutera batik"
    with translation.override("zh-hans"):
        assert product.title == "Batik silk scarf"  # no Chinese title: English


def test_hs_picker_searches_by_words(client, seller_owner):
    client.force_login(seller_owner)
    page = client.get("/products/hs-search/", {"q": "silk shawls"}).content.decode()
    assert 'data-hs-pick="621410"' in page
    assert "XI Textiles" in page  # the section
    assert "62 Apparel" in page  # the chapter
    assert "6214 Shawls" in page  # the heading


def csv_file(rows, name="products.csv"):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: v for k, v in row.items() if k in COLUMNS})
    return SimpleUploadedFile(name, out.getvalue().encode(), content_type="text/csv")


def row(n, **changes):
    return {**GOOD, "sku": f"IMP-{n:05d}", "is_active": "yes", **changes}


def test_import_reports_bad_rows_with_line_field_and_reason(
    client, seller_owner, django_capture_on_commit_callbacks
):
    client.force_login(seller_owner)
    rows = [
        row(1),
        row(2, hs_code="999999"),
        row(3, unit_price="abc"),
        row(4),
        row(1),
        row(5, is_active="maybe"),
        row(6, hs_code="90111"),
    ]  # a spreadsheet dropped the leading zero of 090111
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/products/imports/", {"file": csv_file(rows)})
    job = ProductImport.objects.get()
    assert response["Location"] == f"/products/imports/{job.public_id}/"
    assert (job.status, job.total_rows, job.created_count, job.error_count) == ("done", 7, 3, 4)
    errors = {(e.line, e.field) for e in job.errors.all()}
    assert errors == {(3, "hs_code"), (4, "unit_price"), (6, "sku"), (7, "is_active")}
    assert Product.objects.get(sku="IMP-00006").hs_code == "090111"
    page = client.get(response["Location"]).content.decode()
    assert "Duplicate SKU in this file (first on line 2)" in page


def test_reimporting_the_same_file_updates_instead_of_duplicating(
    seller_owner, django_capture_on_commit_callbacks
):
    from hubs.services.imports import product_import_start

    seller = seller_owner.memberships.get().organization
    for price in ("10.00", "12.50"):
        with django_capture_on_commit_callbacks(execute=True):
            product_import_start(
                seller=seller,
                actor=seller_owner,
                upload=csv_file([row(n, unit_price=price) for n in range(3)]),
            )
    assert Product.objects.count() == 3
    assert {p.unit_price.amount for p in Product.objects.all()} == {Decimal("12.50")}
    latest = ProductImport.objects.first()
    assert (latest.created_count, latest.updated_count) == (0, 3)


def test_import_of_xlsx(seller_owner, django_capture_on_commit_callbacks):
    from openpyxl import Workbook

    from hubs.services.imports import product_import_start

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    sheet.append(
        [row(1)[c] if c != "hs_code" else 90111 for c in COLUMNS]
    )  # a number, as Excel stores it
    data = io.BytesIO()
    workbook.save(data)
    seller = seller_owner.memberships.get().organization
    upload = SimpleUploadedFile("p.xlsx", data.getvalue())
    with django_capture_on_commit_callbacks(execute=True):
        job = product_import_start(seller=seller, actor=seller_owner, upload=upload)
    job.refresh_from_db()
    assert (job.status, job.created_count, job.error_count) == ("done", 1, 0)


UNREADABLE = pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"sku,title_en\nA,B\n", "p.csv", "Missing columns: description_en, height_cm"),
        (b"\xff\xfe\x00bad", "p.csv", "not UTF-8"),
        (b"not a zip", "p.xlsx", "not a readable .xlsx"),
        (b"", "p.csv", "The file is empty"),
    ],
)


@UNREADABLE
def test_an_unreadable_file_is_refused_while_the_seller_waits(seller_owner, content, name, message):
    from ewtp.common.errors import ApplicationError
    from hubs.services.imports import product_import_start

    seller = seller_owner.memberships.get().organization
    with pytest.raises(ApplicationError, match=message):
        product_import_start(
            seller=seller, actor=seller_owner, upload=SimpleUploadedFile(name, content)
        )
    assert not ProductImport.objects.exists()


@UNREADABLE
def test_an_unreadable_stored_file_fails_the_import_with_the_reason(
    seller_owner, content, name, message
):
    seller = seller_owner.memberships.get().organization
    job = ProductImport.objects.create(
        seller=seller, original_name=name, file=SimpleUploadedFile(name, content)
    )
    job = product_import_run(import_id=job.pk)
    assert job.status == "failed"
    assert message in job.failure
    assert not Product.objects.exists()


def test_a_ten_thousand_row_file_completes(seller_owner):
    seller = seller_owner.memberships.get().organization
    job = ProductImport.objects.create(
        seller=seller,
        uploaded_by=seller_owner,
        original_name="big.csv",
        file=csv_file([row(n) for n in range(10_000)], name="big.csv"),
    )
    job = product_import_run(import_id=job.pk)
    assert (job.status, job.processed_rows, job.created_count, job.error_count) == (
        "done",
        10_000,
        10_000,
        0,
    )
    assert job.percent == 100


def test_import_progress_is_polled_until_done(client, seller_owner):
    seller = seller_owner.memberships.get().organization
    job = ProductImport.objects.create(
        seller=seller,
        original_name="x.csv",
        file=csv_file([row(1)]),
        status="running",
        total_rows=10,
        processed_rows=4,
    )
    client.force_login(seller_owner)
    partial = client.get(f"/products/imports/{job.public_id}/progress/")
    assert 'hx-trigger="every 1s"' in partial.content.decode()
    assert 'value="40"' in partial.content.decode()
    ProductImport.objects.filter(pk=job.pk).update(status="done")
    done = client.get(f"/products/imports/{job.public_id}/progress/")
    assert done["HX-Refresh"] == "true"
    assert "hx-trigger" not in done.content.decode()


def test_catalogue_shows_approved_sellers_over_open_eroads(client, kul, hgh):
    factories.open_eroads()
    buyer = factories.member(factories.BuyerFactory(home_hub=hgh))
    approved = factories.ProductFactory(title_en="Visible scarf")
    factories.ProductFactory(
        title_en="Pending seller", seller=factories.SellerFactory(kyc_status="submitted")
    )
    factories.ProductFactory(title_en="Inactive", seller=approved.seller, is_active=False)
    sin = factories.hub("SIN")
    factories.ProductFactory(title_en="No e-road", seller=factories.SellerFactory(home_hub=sin))
    client.force_login(buyer)
    titles = [p.title_en for p in client.get("/catalogue/").context["products"]]
    assert titles == ["Visible scarf"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "coffee"}, {"Coffee beans"}),
        ({"chapter": "09"}, {"Coffee beans"}),
        ({"origin": "ID"}, {"Coffee beans"}),
        ({"currency": "MYR", "min_price": "50"}, {"Silk scarf"}),
        ({"currency": "MYR", "max_price": "50"}, {"Coffee beans"}),
    ],
)
def test_catalogue_filters(client, hgh, query, expected):
    factories.open_eroads()
    buyer = factories.member(factories.BuyerFactory(home_hub=hgh))
    seller = factories.SellerFactory()
    factories.ProductFactory(seller=seller, title_en="Silk scarf", unit_price=Money("89.00", "MYR"))
    factories.ProductFactory(
        seller=seller,
        title_en="Coffee beans",
        hs_code="090121",
        origin_country="ID",
        unit_price=Money("30.00", "MYR"),
    )
    client.force_login(buyer)
    assert {p.title_en for p in client.get("/catalogue/", query).context["products"]} == expected


def test_bad_catalogue_filters_are_explained(client, hgh):
    buyer = factories.member(factories.BuyerFactory(home_hub=hgh))
    client.force_login(buyer)
    response = client.get("/catalogue/", {"chapter": "9x", "min_price": "10", "max_price": "5"})
    errors = response.context["filter_form"].errors
    assert "Two digits" in errors["chapter"][0]
    assert "below the minimum" in errors["max_price"][0]


def png_bytes():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (11, 110, 79)).save(out, format="PNG")
    return out.getvalue()


def test_images_are_checked_and_served_to_signed_in_users(client, seller_owner):
    client.force_login(seller_owner)
    fake = SimpleUploadedFile("photo.png", b"%PDF-1.4 not an image", content_type="image/png")
    refused = client.post("/products/new/", {**GOOD, "image": fake})
    assert refused.status_code == 200
    assert "image" in refused.context["form"].errors
    real = SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png")
    assert client.post("/products/new/", {**GOOD, "image": real}).status_code == 302
    image = Product.objects.get().images.get()
    response = client.get(f"/images/{image.public_id}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    client.logout()
    assert client.get(f"/images/{image.public_id}/").status_code == 404


def test_editing_the_price_does_not_give_back_reserved_stock(client, seller_owner, hgh):
    from hubs.services.placement import LineRequest, OrderRequest, order_place

    factories.open_eroads()
    client.force_login(seller_owner)
    client.post("/products/new/", GOOD)  # 40 in stock
    product = Product.objects.get()
    edit_page = client.get(f"/products/{product.public_id}/")  # the seller opens the form: 40
    buyer = factories.BuyerFactory()
    order_place(
        request=OrderRequest(
            seller=product.seller,
            destination_hub=hgh,
            buyer=buyer,
            lines=[LineRequest(product.pk, 3)],
        ),
        actor=factories.member(buyer),
    )
    form = edit_page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields if name != "image"}
    data.update(unit_price="79.90", is_active="on")
    assert client.post(f"/products/{product.public_id}/", data).status_code == 302
    product.refresh_from_db()
    assert (product.stock, product.unit_price.amount) == (37, Decimal("79.90"))


def test_a_price_range_needs_a_currency(client, hgh):
    buyer = factories.member(factories.BuyerFactory(home_hub=hgh))
    client.force_login(buyer)
    errors = client.get("/catalogue/", {"min_price": "10"}).context["filter_form"].errors
    assert "currency of the price range" in errors["currency"][0]


def test_an_unexpected_failure_ends_the_import_as_failed(seller_owner, monkeypatch):
    from hubs.services import imports

    def explode(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports, "_import_batch", explode)
    seller = seller_owner.memberships.get().organization
    job = ProductImport.objects.create(
        seller=seller, original_name="x.csv", file=csv_file([row(1)])
    )
    job = product_import_run(import_id=job.pk)
    assert job.status == "failed"
    assert "unexpected error" in job.failure


def test_inactive_listings_images_are_not_shown_to_strangers(client, seller_owner):
    from hubs.models import ProductImage

    product = factories.ProductFactory(
        seller=seller_owner.memberships.get().organization, is_active=False
    )
    image = ProductImage.objects.create(
        product=product, image=SimpleUploadedFile("a.png", png_bytes())
    )
    client.force_login(factories.member(factories.BuyerFactory()))
    assert client.get(f"/images/{image.public_id}/").status_code == 404
    client.force_login(seller_owner)
    assert client.get(f"/images/{image.public_id}/").status_code == 200


def test_every_problem_of_a_row_is_reported_at_once_and_rows_are_counted(
    client, seller_owner, django_capture_on_commit_callbacks
):
    client.force_login(seller_owner)
    rows = [
        row(1, is_active="maybe", unit_price="abc", origin_country="Malaya"),
        row(2, origin_country="Malaysia"),  # a country's English name is its code
        row(3, hs_code="999999", stock="-1"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/products/imports/", {"file": csv_file(rows)})
    job = ProductImport.objects.get()
    assert (job.created_count, job.error_count) == (1, 2)  # two rows, five problems
    problems = sorted((e.line, e.field) for e in job.errors.all())
    assert problems == [
        (2, "is_active"),
        (2, "origin_country"),
        (2, "unit_price"),
        (4, "hs_code"),
        (4, "stock"),
    ]
    country = job.errors.get(field="origin_country").message
    assert "code (MY, CN) or its English name" in country
    assert Product.objects.get(sku="IMP-00002").origin_country == "MY"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_template_is_a_file_the_import_takes_as_it_is(
    client, seller_owner, django_capture_on_commit_callbacks, kind
):
    client.force_login(seller_owner)
    template = client.get(f"/products/imports/template.{kind}")
    assert template.status_code == 200
    assert f'filename="ewtp-listings.{kind}"' in template["Content-Disposition"]
    upload = SimpleUploadedFile(f"mine.{kind}", template.content)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/products/imports/", {"file": upload})
    job = ProductImport.objects.get()
    assert (job.status, job.created_count, job.error_count) == ("done", 1, 0)
    assert Product.objects.get().title_zh == "手绘蜡染真丝围巾"
    assert client.get("/products/imports/template.pdf").status_code == 404
