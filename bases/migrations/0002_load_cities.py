from django.db import migrations

HUNAN_CITIES = [
    "长沙市", "株洲市", "湘潭市", "衡阳市", "邵阳市", "岳阳市", "常德市",
    "张家界市", "益阳市", "郴州市", "永州市", "怀化市", "娄底市", "湘西土家族苗族自治州",
]


def load_cities(apps, schema_editor):
    City = apps.get_model("bases", "City")
    for order, name in enumerate(HUNAN_CITIES, start=1):
        City.objects.update_or_create(name=name, defaults={"sort_order": order})


def unload_cities(apps, schema_editor):
    apps.get_model("bases", "City").objects.filter(name__in=HUNAN_CITIES,
                                                   bases__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("bases", "0001_initial")]
    operations = [migrations.RunPython(load_cities, unload_cities)]
