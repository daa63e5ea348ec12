import string
import unicodedata

from django.contrib.auth.password_validation import MinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible


class ChineseMinimumLengthValidator(MinimumLengthValidator):
    """Django's length rule; its message is a plural form that Django's Simplified Chinese
    translation lacks, so it would read "This password is too short…" in English."""

    def get_error_message(self) -> str:
        return f"密码太短，至少需要{self.min_length}个字符。"

    def get_help_text(self) -> str:
        return f"密码至少需要{self.min_length}个字符。"


class CharacterClassValidator:
    """At least `min_classes` of: lower-case, upper-case, digits, symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(c in string.punctuation or c.isspace() for c in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return (f"密码须包含小写字母、大写字母、数字、符号四类字符中的至少{self.min_classes}类。")


#: Characters allowed in a user name besides CJK ideographs.
USERNAME_ASCII = frozenset(string.ascii_letters + string.digits + "._@+-")
USERNAME_MARKUP = frozenset("<>&\"'")
#: Scripts whose letters pass for Latin ones (а/a, о/o, ρ/p): named in the refusal.
LOOKALIKE_SCRIPTS = {"CYRILLIC": "西里尔", "GREEK": "希腊"}


def validate_username(username: str, *, label: str = "用户名") -> None:
    """The one rule for account names, whichever way the account is made (the admin's account
    form, `create_account`, the handover page).

    Letters that only look like Latin ones, full-width forms and invisible characters would
    let two accounts look alike in lists and in the audit log, so only ASCII letters and
    digits, `._@+-` and CJK ideographs pass; Django's UnicodeUsernameValidator is the
    backstop. Messages name the field (`label`).
    """
    from django.contrib.auth.validators import UnicodeUsernameValidator

    from bases.models import RESERVED_USERNAMES

    if not username:
        raise ValidationError(f"{label}不能为空", code="username_empty")
    if username.lower() in RESERVED_USERNAMES:
        raise ValidationError(f"{label}“{username}”为保留名称，不能使用", code="username_reserved")
    if any(c.isspace() or c in USERNAME_MARKUP for c in username):
        raise ValidationError(f"{label}不能包含空格或 < > & \" ' 等字符", code="username_markup")
    if unicodedata.normalize("NFKC", username) != username:
        raise ValidationError(f"{label}含有全角或兼容形式的字符，请改用半角英文字母和数字",
                              code="username_not_nfkc")
    for char in username:
        if char in USERNAME_ASCII:
            continue
        name = unicodedata.name(char, "")
        if name.startswith("CJK UNIFIED IDEOGRAPH"):
            continue
        script = LOOKALIKE_SCRIPTS.get(name.split(" ", 1)[0])
        if script:
            raise ValidationError(
                f"{label}含有与英文字母形近的{script}字母“{char}”，请改用英文字母",
                code="username_lookalike")
        raise ValidationError(
            f"{label}只能由英文字母、数字、汉字和 . _ @ + - 组成，"
            f"不能包含“{char}”（U+{ord(char):04X}）", code="username_character")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise ValidationError(f"{label}只能由英文字母、数字、汉字和 . _ @ + - 组成",
                              code="username_character") from None


@deconstructible
class PortalUsernameValidator:
    """`validate_username` as the User model's field validator, so that every path that
    cleans the field (Django's createsuperuser and changepassword commands included)
    applies the same rule."""

    def __call__(self, username: str) -> None:
        validate_username(username)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PortalUsernameValidator)
