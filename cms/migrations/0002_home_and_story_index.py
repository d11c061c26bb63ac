"""Replace Wagtail's placeholder page with Rabta's home page and its story index, and point the site at it."""

from django.db import migrations


def create_pages(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    Locale = apps.get_model("wagtailcore", "Locale")
    HomePage = apps.get_model("cms", "HomePage")
    StoryIndexPage = apps.get_model("cms", "StoryIndexPage")

    Page.objects.filter(depth=2, slug="home", content_type__model="page").delete()
    locale = Locale.objects.first()
    home_type, _ = ContentType.objects.get_or_create(app_label="cms", model="homepage")
    index_type, _ = ContentType.objects.get_or_create(app_label="cms", model="storyindexpage")
    root = Page.objects.get(depth=1)
    home = HomePage.objects.create(
        title="Rabta",
        draft_title="Rabta",
        slug="home",
        content_type=home_type,
        path=f"{root.path}0001",
        depth=2,
        numchild=1,
        url_path="/home/",
        locale=locale,
        live=True,
    )
    StoryIndexPage.objects.create(
        title="Stories",
        draft_title="Stories",
        slug="stories",
        content_type=index_type,
        path=f"{home.path}0001",
        depth=3,
        numchild=0,
        url_path="/home/stories/",
        locale=locale,
        live=True,
        intro="Founders, mentors and centres of excellence building Pakistan's technology exports.",
    )
    root.numchild = 1
    root.save(update_fields=["numchild"])
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page_id": home.id, "site_name": "Rabta"}
    )


def remove_pages(apps, schema_editor):
    apps.get_model("cms", "StoryIndexPage").objects.all().delete()
    apps.get_model("cms", "HomePage").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_stories"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_pages, remove_pages)]
