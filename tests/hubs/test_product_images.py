"""Listing pictures: thumbnails made by the worker after the upload commits, served under the
listing's access rule, shown wherever a listing appears."""

import io
import logging
import struct
import zlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import ExifTags, Image, ImageFile

from hubs import thumbnails
from hubs.models import ProductImage
from hubs.services import catalogue as catalogue_services
from hubs.services.catalogue import product_set_active
from hubs.services.placement import LineRequest, OrderRequest, order_place
from hubs.tasks import product_image_thumbnail_task
from tests import factories

pytestmark = pytest.mark.django_db
LISTING = factories.LISTING_FORM


def photo(size=(1200, 800), *, orientation=None, kind="JPEG", mode="RGB") -> bytes:
    """Left half red, right half blue, with the metadata a camera writes."""
    picture = Image.new(mode, size, "blue")
    picture.paste("red", (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    out = io.BytesIO()
    extra = {"comment": b"shot at home"} if kind == "JPEG" else {}
    picture.save(out, format=kind, exif=exif.tobytes(), **extra)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few dozen bytes whose header declares width × height pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def picture_of(product, content: bytes, name="photo.jpg") -> ProductImage:
    return ProductImage.objects.create(product=product, image=SimpleUploadedFile(name, content))


def opened(field) -> Image.Image:
    with field.open("rb") as stored:
        picture = Image.open(io.BytesIO(stored.read()))
        picture.load()
    return picture


def reddish(pixel) -> bool:
    red, green, blue = pixel
    return red > 200 and green < 60 and blue < 60


def bluish(pixel) -> bool:
    red, green, blue = pixel
    return blue > 200 and red < 60 and green < 60


@pytest.fixture
def seller(seller_owner):
    return seller_owner.memberships.get().organization


@pytest.fixture
def product(seller):
    return factories.ProductFactory(seller=seller, title_en="Batik silk scarf")


# --- the thumbnail --------------------------------------------------------------------------


def test_an_upload_gets_its_thumbnail_on_the_worker_once_committed(
    client, seller_owner, django_capture_on_commit_callbacks
):
    client.force_login(seller_owner)
    upload = SimpleUploadedFile("scarf.jpg", photo((1200, 800)), content_type="image/jpeg")
    with django_capture_on_commit_callbacks() as after_commit:
        assert client.post("/products/new/", {**LISTING, "image": upload}).status_code == 302
    image = ProductImage.objects.get()
    assert not image.thumbnail  # nothing heavy while the seller waits
    for callback in after_commit:
        callback()
    image.refresh_from_db()
    thumbnail = opened(image.thumbnail)
    assert (thumbnail.format, thumbnail.size) == ("JPEG", (320, 213))
    assert (image.thumbnail_width, image.thumbnail_height) == (320, 213)
    assert image.thumbnail.name.startswith("products/thumbnails/")


def test_a_thumbnail_keeps_the_proportions_and_never_enlarges(product):
    tall = picture_of(product, photo((500, 2000)))
    small = picture_of(product, photo((40, 30), kind="PNG"), name="small.png")
    product_image_thumbnail_task(tall.pk)
    product_image_thumbnail_task(small.pk)
    tall.refresh_from_db()
    small.refresh_from_db()
    assert opened(tall.thumbnail).size == (80, 320)
    assert opened(small.thumbnail).size == (40, 30)


def test_a_photo_taken_sideways_comes_out_upright_without_its_metadata(product):
    # stored 600 × 200 with the left half red; EXIF 6 says "turn 90° clockwise to view"
    image = picture_of(product, photo((600, 200), orientation=6))
    assert product_image_thumbnail_task(image.pk) is True
    image.refresh_from_db()
    thumbnail = opened(image.thumbnail)
    assert thumbnail.size == (107, 320)  # upright: taller than wide
    assert reddish(thumbnail.getpixel((53, 20)))  # what was on the left is now on top
    assert bluish(thumbnail.getpixel((53, 300)))
    assert not thumbnail.getexif()  # no camera, place or orientation left in it
    assert "comment" not in thumbnail.info


def test_a_transparent_background_becomes_white(product):
    picture = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    picture.paste((200, 0, 0, 255), (25, 25, 75, 75))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    image = picture_of(product, out.getvalue(), name="cut-out.png")
    product_image_thumbnail_task(image.pk)
    image.refresh_from_db()
    thumbnail = opened(image.thumbnail)
    assert thumbnail.mode == "RGB"
    assert min(thumbnail.getpixel((2, 2))) > 240
    assert thumbnail.getpixel((50, 50))[0] > 180


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"\xff\xd8\xff\xe0 this is not the rest of a JPEG", id="corrupt"),
        pytest.param(photo((1200, 800))[:900], id="truncated"),
        pytest.param(png_declaring(100_000, 100_000), id="bomb-refused-by-pillow"),
        pytest.param(png_declaring(9_000, 9_000), id="bomb-over-our-cap"),
        pytest.param(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", id="eps"),
    ],
)
def test_a_file_that_cannot_be_a_thumbnail_leaves_none_and_raises_nothing(product, content, caplog):
    image = picture_of(product, content)
    with caplog.at_level(logging.WARNING, logger="hubs.services.catalogue"):
        assert product_image_thumbnail_task(image.pk) is False
    image.refresh_from_db()
    assert not image.thumbnail
    assert image.thumbnail_width is None
    assert f"no thumbnail for image {image.public_id}" in caplog.text


def test_a_bomb_is_refused_before_its_pixels_are_read(monkeypatch):
    def decode(*args, **kwargs):
        raise AssertionError("decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decode)
    with pytest.raises(thumbnails.UnusableImage, match="9000 × 9000 pixels"):
        thumbnails.thumbnail_render(png_declaring(9_000, 9_000))


def test_a_missing_file_or_picture_leaves_no_thumbnail_and_raises_nothing(product):
    image = picture_of(product, photo())
    default_storage.delete(image.image.name)
    assert product_image_thumbnail_task(image.pk) is False
    assert product_image_thumbnail_task(987654) is False


def test_running_the_task_twice_makes_one_thumbnail(product):
    image = picture_of(product, photo())
    product_image_thumbnail_task(image.pk)
    image.refresh_from_db()
    first = image.thumbnail.name
    product_image_thumbnail_task(image.pk)
    image.refresh_from_db()
    assert image.thumbnail.name == first
    assert thumbnail_files(image) == [first]


def test_of_two_runs_at_once_only_the_first_recorded_keeps_its_file(product, monkeypatch):
    image = picture_of(product, photo())
    render = catalogue_services.thumbnail_render
    raced = []

    def render_while_another_run_finishes(source):
        if not raced:
            raced.append(True)
            catalogue_services.product_image_thumbnail_make(image_id=image.pk)
        return render(source)

    monkeypatch.setattr(catalogue_services, "thumbnail_render", render_while_another_run_finishes)
    made = catalogue_services.product_image_thumbnail_make(image_id=image.pk)
    assert raced
    assert thumbnail_files(image) == [made.thumbnail.name]
    assert default_storage.exists(made.thumbnail.name)


def thumbnail_files(image) -> list[str]:
    """The stored thumbnail files of ``image`` (the storage is shared by the whole run)."""
    found = []

    def walk(folder):
        folders, files = default_storage.listdir(folder)
        found.extend(f"{folder}/{name}" for name in files if str(image.public_id) in name)
        for name in folders:
            walk(f"{folder}/{name}")

    if default_storage.exists("products/thumbnails"):
        walk("products/thumbnails")
    return found


# --- serving it -----------------------------------------------------------------------------


def test_the_thumbnail_is_served_under_the_listings_access_rule(client, seller_owner, product):
    image = picture_of(product, photo())
    url = f"/images/{image.public_id}/thumbnail/"
    client.force_login(seller_owner)
    stand_in = client.get(url)  # not made yet: the original, kept briefly
    assert stand_in["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(b"".join(stand_in.streaming_content))).size == (1200, 800)
    assert stand_in["Cache-Control"] == "private, max-age=60"

    product_image_thumbnail_task(image.pk)
    served = client.get(url)
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (320, 213)
    assert served["Cache-Control"] == "private, max-age=3600"

    client.force_login(factories.member(factories.BuyerFactory()))
    assert client.get(url).status_code == 200  # a buyer, while the listing is on sale
    product_set_active(product=product, active=False, actor=seller_owner)
    assert client.get(url).status_code == 404  # ...and not once it is withdrawn
    client.logout()
    assert client.get(url).status_code == 404


# --- showing it -----------------------------------------------------------------------------


def thumbnail_tag(image, alt="Batik silk scarf") -> str:
    image.refresh_from_db()
    return (
        f'<img src="/images/{image.public_id}/thumbnail/" alt="{alt}" '
        f'width="{image.thumbnail_width or 320}" height="{image.thumbnail_height or 320}" '
        f'loading="lazy" decoding="async"'
    )


@pytest.fixture
def buyer_user(hgh):
    factories.open_eroads()
    return factories.member(factories.BuyerFactory(home_hub=hgh))


def test_the_seller_sees_thumbnails_in_the_product_list(client, seller_owner, product):
    image = picture_of(product, photo())
    product_image_thumbnail_task(image.pk)
    client.force_login(seller_owner)
    assert thumbnail_tag(image) in client.get("/products/").content.decode()


def test_buyers_see_thumbnails_in_the_catalogue_and_on_the_listing(client, buyer_user, product):
    first, second = picture_of(product, photo()), picture_of(product, photo((300, 900)))
    product_image_thumbnail_task(first.pk)  # the second is not made yet
    client.force_login(buyer_user)
    catalogue = client.get("/catalogue/").content.decode()
    assert thumbnail_tag(first) in catalogue
    listing = client.get(f"/catalogue/{product.public_id}/").content.decode()
    # each thumbnail links to its full picture
    assert (
        f'<a href="/images/{first.public_id}/">'
        + thumbnail_tag(first, "Batik silk scarf, picture 1 of 2")
        in listing
    )
    assert (
        f'<a href="/images/{second.public_id}/">'
        + thumbnail_tag(second, "Batik silk scarf, picture 2 of 2")
        in listing
    )


def test_the_title_in_alt_text_is_escaped(client, buyer_user, seller):
    product = factories.ProductFactory(seller=seller, title_en='Scarf "A" <b>&</b>')
    picture_of(product, photo())
    client.force_login(buyer_user)
    listing = client.get(f"/catalogue/{product.public_id}/").content.decode()
    assert 'alt="Scarf &quot;A&quot; &lt;b&gt;&amp;&lt;/b&gt;"' in listing


def test_the_cart_and_the_order_show_each_lines_thumbnail(client, buyer_user, product):
    image = picture_of(product, photo())
    product_image_thumbnail_task(image.pk)
    client.force_login(buyer_user)
    client.post(f"/catalogue/{product.public_id}/add/", {"quantity": 2})
    assert thumbnail_tag(image) in client.get("/cart/").content.decode()

    order = place_order(buyer_user, [product])
    page = client.get(f"/orders/{order.reference}/").content.decode()
    assert thumbnail_tag(image) in page


def test_an_order_does_not_show_a_buyer_a_picture_it_may_no_longer_open(
    client, buyer_user, seller_owner, product
):
    picture_of(product, photo())
    order = place_order(buyer_user, [product])
    product_set_active(product=product, active=False, actor=seller_owner)
    client.force_login(buyer_user)
    page = client.get(f"/orders/{order.reference}/").content.decode()
    assert "/thumbnail/" not in page
    assert "Batik silk scarf" in page
    client.force_login(seller_owner)
    assert "/thumbnail/" in client.get(f"/orders/{order.reference}/").content.decode()


def place_order(buyer_user, products):
    buyer = buyer_user.memberships.get().organization
    return order_place(
        request=OrderRequest(
            seller=products[0].seller,
            destination_hub=buyer.home_hub,
            buyer=buyer,
            lines=[LineRequest(product.pk, 1) for product in products],
        ),
        actor=buyer_user,
    )


def test_the_cart_and_the_order_page_read_pictures_in_constant_queries(client, buyer_user, seller):
    def with_pictures(count):
        products = factories.ProductFactory.create_batch(count, seller=seller)
        for product in products:
            factories.ProductImageFactory(product=product)
        return products

    def queries(url):
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context)

    client.force_login(buyer_user)
    counts = []
    for count in (1, 6):
        products = with_pictures(count)
        for product in products:
            client.post(f"/catalogue/{product.public_id}/add/", {"quantity": 1})
        order = place_order(buyer_user, products)
        counts.append((queries("/cart/"), queries(f"/orders/{order.reference}/")))
        client.post("/cart/", {"update": "1", **{f"qty-{p.public_id}": "0" for p in products}})
    assert counts[0] == counts[1]
