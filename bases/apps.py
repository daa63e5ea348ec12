from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class BasesConfig(AppConfig):
    name = "bases"
    verbose_name = "基地与账号"

    def ready(self) -> None:
        from bases import signals  # noqa: F401
        from bases.hooks import register_base_section
        from bases.notices import tasks  # noqa: F401  (registers the Celery tasks)
        from bases.platform_views import platform_section

        register_base_section(platform_section)

        chinese_names_for_third_party_apps()


#: django-axes and django-otp ship no Simplified Chinese: the names the admin shows of their
#: apps, models and fields (app label: app name, {model: (model name, {field: name})}).
THIRD_PARTY_NAMES = {
    "axes": ("登录锁定", {
        "accessattempt": ("登录锁定记录", {
            "username": "用户名", "ip_address": "来源IP", "failures_since_start": "连续失败次数",
            "attempt_time": "最近尝试时间", "user_agent": "浏览器", "path_info": "访问路径"}),
        "accessfailurelog": ("登录失败记录", {}),
        "accesslog": ("登录记录", {})}),
    "otp_totp": ("两步验证", {
        "totpdevice": ("身份验证器", {"user": "用户", "name": "设备名称", "confirmed": "已确认",
                                      "last_used_at": "最近使用时间"})}),
    "authtoken": ("接口令牌", {}),
}


def chinese_names_for_third_party_apps() -> None:
    from django.apps import apps

    for label, (app_name, models) in THIRD_PARTY_NAMES.items():
        if label not in apps.app_configs:
            continue
        config = apps.get_app_config(label)
        config.verbose_name = app_name
        for model_name, (model_label, fields) in models.items():
            opts = config.get_model(model_name)._meta
            opts.verbose_name = opts.verbose_name_plural = model_label
            for field_name, field_label in fields.items():
                opts.get_field(field_name).verbose_name = field_label


class PortalAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the portal's site (bases/admin_site.py)."""

    default = False  # `bases` itself is configured by BasesConfig
    default_site = "bases.admin_site.PortalAdminSite"
