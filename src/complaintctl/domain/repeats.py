"""Repeat and duplicate complaints (CBIRC Art 18: a repeat of the same complaint within the
period may be merged), pure: the customer's identity keys as hashed forms, the text of a
matter folded and compared, and a score with its reasons.

- Identity keys: the ID number, account, phone, email and the bank's customer id, each
  normalised as ``domain.identity`` stores it (upper-case ID number, the phone's and account's
  digits, the email lower-cased) and hashed (SHA-256 of ``kind:value``). Only the hashes are
  compared and indexed; masked text is never compared.
- Text: NFKC (full-width to half-width), case-folded, traditional characters folded to
  simplified (``_TRADITIONAL``: the commonest characters of complaints), punctuation and
  spaces dropped, then compared by ``rapidfuzz`` on character n-grams (bigrams for Chinese,
  trigrams for other scripts), so rewording, typos and word order cost little.
- The score (0-100) is the matter's: the text's similarity, raised when the product and issue
  agree and lowered when they differ. A candidate needs a shared identity key first.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from complaintctl.domain.identity import phone_digits
from complaintctl.i18n import _

DEFAULT_WINDOW_DAYS = 90
DEFAULT_THRESHOLD = 70
#: candidates listed at most
MOST = 5

_TRADITIONAL = str.maketrans(
    "銀錢費賬帳戶號額還貸轉電話務員實時間問題說們對這個為會後來過點開關沒經續辦險單計貨幣錯誤"
    "認證據資訊約簽複處無應讓給請從風買賣產財體歸記錄網絡機構繳壓擊騙詐盜卻當動發現顯長達東車"
    "門見視覺選擇強製數進運營業廳櫃檯臺滿決償補負責態度嚴詢顧絕聯繫係謝煩擾準備導致區據儲蓄存"
    "匯兌換額轄卡扣領權屬於託託寶網銷售險種隱瞞欺誆違規條規範將與並僅們還壞廣告誘說明書簽訂"
    "變動啟動頁麵餘額異常凍結掛失補辦監管報樣張紙質郵寄遞標準確齊詳細虛假擔價漲跌損失獲賠償兩"
    "萬億圓幾餘筆歷紀錄",
    "银钱费账帐户号额还贷转电话务员实时间问题说们对这个为会后来过点开关没经续办险单计货币错误"
    "认证据资讯约签复处无应让给请从风买卖产财体归记录网络机构缴压击骗诈盗却当动发现显长达东车"
    "门见视觉选择强制数进运营业厅柜台台满决偿补负责态度严询顾绝联系系谢烦扰准备导致区据储蓄存"
    "汇兑换额辖卡扣领权属于托托宝网销售险种隐瞒欺诓违规条规范将与并仅们还坏广告诱说明书签订"
    "变动启动页面余额异常冻结挂失补办监管报样张纸质邮寄递标准确齐详细虚假担价涨跌损失获赔偿两"
    "万亿圆几余笔历纪录",
)
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class KeyKind(StrEnum):
    """Which identity key a hash is of."""

    id_number = "id_number"
    account = "account"
    phone = "phone"
    email = "email"
    customer_id = "customer_id"


def key_label(kind: str) -> str:
    """The reason's words for a shared key (translated)."""
    return {
        KeyKind.id_number: _("same ID number"),
        KeyKind.account: _("same account"),
        KeyKind.phone: _("same phone"),
        KeyKind.email: _("same email"),
        KeyKind.customer_id: _("same customer id"),
    }[KeyKind(kind)]


def _normal(kind: KeyKind, value: str) -> str:
    value = unicodedata.normalize("NFKC", value).strip()
    if kind is KeyKind.phone:
        return phone_digits(value)
    if kind is KeyKind.account:
        return re.sub(r"[\s-]", "", value)
    if kind is KeyKind.email:
        return value.casefold()
    return value.upper()


def digest(kind: KeyKind, value: str) -> str:
    """The hashed form of one identity key (32 hex digits of SHA-256 of ``kind:value``)."""
    data = f"{kind.value}:{_normal(kind, value)}".encode()
    return hashlib.sha256(data).hexdigest()[:32]


def identity_keys(*, id_number: str | None = None, account: str | None = None,
                  phone: str | None = None, email: str | None = None,
                  customer_id: str | None = None) -> dict[str, str]:
    """The hashed identity keys of a customer: {digest: kind}, for the values given."""
    given = {KeyKind.id_number: id_number, KeyKind.account: account, KeyKind.phone: phone,
             KeyKind.email: email, KeyKind.customer_id: customer_id}
    return {digest(kind, value): kind.value for kind, value in given.items()
            if value and _normal(kind, value)}


def fold(text: str | None) -> str:
    """``text`` folded for comparison: NFKC, case-folded, traditional to simplified, no
    punctuation; words separated by one space."""
    text = unicodedata.normalize("NFKC", text or "").casefold().translate(_TRADITIONAL)
    return _NOT_WORD.sub(" ", text).strip()


def is_chinese(folded: str) -> bool:
    """Whether a folded text is mostly Chinese (a third of its characters or more)."""
    return len(_CJK.findall(folded)) * 3 >= len(folded.replace(" ", ""))


def ngrams(text: str) -> list[str]:
    """The folded text's character n-grams: bigrams of Chinese (spaces dropped), trigrams of
    other scripts (word edges kept as spaces)."""
    folded = fold(text)
    if not folded:
        return []
    size = 2 if is_chinese(folded) else 3
    run = folded.replace(" ", "") if size == 2 else f" {folded} "
    if len(run) <= size:
        return [run]
    return [run[i:i + size] for i in range(len(run) - size + 1)]


def similarity(a: str | None, b: str | None) -> int:
    """How similar two texts are, 0-100, on their character n-grams (after ``fold``).
    Chinese: ``rapidfuzz``'s token-sort ratio of the bigrams (the order of words matters
    little, a changed character costs two bigrams). Other scripts: the Dice coefficient of
    the trigram sets (``rapidfuzz`` would compare long sorted trigram lists as near-equal)."""
    from rapidfuzz import fuzz  # imported when a comparison is made, not by every command

    ga, gb = ngrams(a or ""), ngrams(b or "")
    if not ga or not gb:
        return 0
    if is_chinese(fold(a)) or is_chinese(fold(b)):
        return round(fuzz.token_sort_ratio(" ".join(ga), " ".join(gb)))
    sa, sb = set(ga), set(gb)
    return round(200 * len(sa & sb) / (len(sa) + len(sb)))


#: points taken from other scripts' similarity before scoring: their trigram Dice runs
#: higher than the Chinese bigram ratio for unrelated texts of one field (measured by
#: benchmarks/duplicates_bench.py: CFPB narratives of one product reach 57)
_LATIN_OFFSET = 15


@dataclass(frozen=True)
class Matter:
    """What a complaint is about, as compared: product, issue, summary and description."""

    product: str | None
    issue: str | None
    summary: str
    description: str | None = None

    @property
    def text(self) -> str:
        return " ".join(t for t in (self.summary, self.description) if t)


@dataclass(frozen=True)
class Match:
    score: int
    reasons: tuple[str, ...]


def _same(a: str | None, b: str | None) -> bool | None:
    """Whether two labels agree (folded); None when either is missing."""
    if not a or not b:
        return None
    return fold(a) == fold(b)


def score(new: Matter, old: Matter, shared: list[str]) -> Match:
    """The score of ``old`` as a repeat of ``new`` (0-100) for a customer who shares the
    identity keys ``shared`` (their kinds), with the reasons in words."""
    text = similarity(new.text, old.text)
    value = float(text) - (0 if is_chinese(fold(new.text)) else _LATIN_OFFSET)
    reasons = [key_label(kind) for kind in KeyKind if kind.value in shared]
    product, issue = _same(new.product, old.product), _same(new.issue, old.issue)
    if product is True:
        value += 10
        reasons.append(_("same product"))
    elif product is False:
        value -= 25
    if issue is True:
        value += 10
        reasons.append(_("same issue"))
    elif issue is False:
        value -= 10
    # the number and its sign as one value: a "%" in the message would read as a format
    reasons.append(_("summary {percent} similar").format(percent=f"{text} %"))
    return Match(max(0, min(100, round(value))), tuple(reasons))


def reasons_text(reasons: tuple[str, ...] | list[str]) -> str:
    """The reasons as one line: "same ID number; summary 87 % similar"."""
    return _("; ").join(reasons)
