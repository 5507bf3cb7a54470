"""The seed article as the web pages an analyst saves from a browser, in three site templates.

Each page wraps the seed's title, dateline, 6 headings and 31 paragraphs in the furniture
real Arabic news sites have: navigation, a cookie banner, breadcrumbs, share buttons, "most
read" and "read also" boxes, related links, tags, readers' comments and a footer, plus
external images, CSS, scripts and iframes that a reader must never fetch.
`FURNITURE` lists the furniture's text, so a test can check none of it becomes a row.
The seed's own chrome lines (section and update stamp, "reading now") sit where sites put them.
"""

from __future__ import annotations

import html
from pathlib import Path

from translate_tool.article import Article, BlockKind
from translate_tool.readers import read_article

SEED = next((Path(__file__).resolve().parent.parent / "seeds").glob("[0-9]*.txt"))
EXTERNAL = "http://203.0.113.7"  # TEST-NET-3: nothing answers there, and nothing may try

NAV = ["الرئيسية", "أخبار", "سياسة", "اقتصاد", "رياضة", "ثقافة", "تكنولوجيا", "منوعات", "فيديو"]
COOKIE = (
    "نستخدم ملفات تعريف الارتباط لتحسين تجربتك على موقعنا وتحليل حركة الزوار. "
    "بمواصلة التصفح فإنك توافق على سياسة الخصوصية الخاصة بنا."
)
COOKIE_BUTTON = "موافق على جميع ملفات الارتباط"
MOST_READ_TITLE = "الأكثر مشاهدة هذا الأسبوع"
MOST_READ = [
    "ارتفاع أسعار النفط إلى أعلى مستوى منذ عشرة أشهر بعد قرار أوبك بلس خفض الإنتاج",
    "البنك المركزي يرفع أسعار الفائدة للمرة الرابعة هذا العام لكبح جماح التضخم",
    "زلزال بقوة ست درجات يضرب جنوب البلاد دون أنباء عن وقوع إصابات",
    "منتخب الشباب يتأهل إلى نهائي البطولة القارية للمرة الأولى في تاريخه",
]
RELATED_TITLE = "أخبار ذات صلة"
RELATED = [
    "الأمم المتحدة تدعو إلى ضبط النفس في جنوب القوقاز وتحذر من كارثة إنسانية",
    "ماذا نعرف عن إقليم ناغورني كاراباخ وتاريخ الصراع عليه بين البلدين؟",
    "موسكو تنشر قوات إضافية لحفظ السلام على خط التماس في الإقليم",
]
TAGS = ["أذربيجان", "أرمينيا", "ناغورني كاراباخ", "روسيا"]
COMMENTS_TITLE = "تعليقات القراء"
COMMENTS = [
    ("أبو محمد", "للأسف الشديد تدفع الشعوب دائما ثمن هذه الحروب، نتمنى أن يعم السلام المنطقة كلها قريبا."),
    ("سارة", "المقال ممتاز ويشرح الموقف الدولي بوضوح، لكن أين موقف الدول العربية من كل هذا التصعيد؟"),
    ("خالد من عمان", "التاريخ يعيد نفسه في القوقاز، والقوى الكبرى لا تبحث إلا عن مصالحها على حساب المدنيين."),
]
NEWSLETTER = "اشترك في نشرتنا البريدية اليومية ليصلك ملخص أهم الأخبار كل صباح على بريدك الإلكتروني."
FOOTER = "جميع الحقوق محفوظة لشبكة الأخبار العربية 2023. يمنع نسخ المحتوى أو إعادة نشره دون إذن مسبق."
SHARE = "شارك على فيسبوك"
BREADCRUMB = ["الرئيسية", "أخبار", "دولي"]

# Every piece of furniture text that must not become a row of the briefing.
FURNITURE = [COOKIE, COOKIE_BUTTON, MOST_READ_TITLE, *MOST_READ, RELATED_TITLE, *RELATED]
FURNITURE += [COMMENTS_TITLE, *(text for _, text in COMMENTS), NEWSLETTER, FOOTER]


def seed_article() -> Article:
    return read_article(SEED)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _body_html(article: Article, heading_tag: str, dateline_strong: bool) -> list[str]:
    out = []
    for block in article.blocks:
        if block.kind is BlockKind.TITLE:
            continue
        if block.kind is BlockKind.DATELINE:
            text = f"<strong>{_e(block.source)}</strong>" if dateline_strong else _e(block.source)
            out.append(f'<p class="dateline">{text}</p>')
        elif block.kind is BlockKind.HEADING:
            out.append(f"<{heading_tag}>{_e(block.source)}</{heading_tag}>")
        else:
            out.append(f"<p>{_e(block.source)}</p>")
    return out


def _external(kind: str) -> str:
    return f"{EXTERNAL}/{kind}"


def portal(article: Article) -> str:
    """A big portal: header nav, cookie banner, h2 sections, an inline "read also" box, sidebar, comments."""
    title = _e(article.title.source)
    body = _body_html(article, "h2", dateline_strong=False)
    # An inline "read also" box after the fifth paragraph, as portals do.
    body.insert(
        6,
        '<aside class="read-also"><h4>اقرأ أيضا</h4><ul>'
        + "".join(f'<li><a href="/news/{i}">{_e(t)}</a></li>' for i, t in enumerate(RELATED))
        + "</ul></aside>",
    )
    nav = "".join(f'<li><a href="/{i}">{_e(n)}</a></li>' for i, n in enumerate(NAV))
    most = "".join(f'<li><a href="/top/{i}">{_e(t)}</a></li>' for i, t in enumerate(MOST_READ))
    comments = "".join(
        f'<li class="comment"><span class="author">{_e(a)}</span><p>{_e(t)}</p></li>' for a, t in COMMENTS
    )
    return f"""<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head>
<meta charset="utf-8">
<title>{title} | شبكة الأخبار العربية</title>
<meta property="og:title" content="{title}">
<meta property="og:image" content="{_external("og.jpg")}">
<link rel="stylesheet" href="{_external("site.css")}">
<link rel="preload" href="{_external("font.woff2")}" as="font">
<script src="{_external("analytics.js")}"></script>
<script>document.write('<img src="{_external("pixel.gif")}">'); fetch("{_external("beacon")}");</script>
<style>@import url("{_external("more.css")}"); body {{ background: url("{_external("bg.png")}"); }}</style>
</head>
<body>
<div id="cookie-banner" class="cookie-consent"><p>{_e(COOKIE)}</p><button>{_e(COOKIE_BUTTON)}</button></div>
<header class="site-header"><a href="/"><img src="{_external("logo.png")}" alt="شبكة الأخبار العربية"></a>
<nav class="main-nav"><ul>{nav}</ul></nav></header>
<div class="breadcrumb">{" › ".join(f"<a href='/'>{_e(b)}</a>" for b in BREADCRUMB)}</div>
<main>
<article class="article">
<div class="article-meta"><span class="section">دولي</span> <time datetime="2023-09-19">آخر تحديث في</time></div>
<h1>{title}</h1>
<figure><img src="{_external("photo.jpg")}" srcset="{_external("photo-2x.jpg")} 2x"></figure>
<div class="article-body">
{chr(10).join(body)}
</div>
<div class="share"><a href="#">{_e(SHARE)}</a></div>
<ul class="tags">{"".join(f"<li><a href='/tag'>{_e(t)}</a></li>" for t in TAGS)}</ul>
</article>
<iframe src="{_external("video-embed")}" width="560" height="315"></iframe>
<section class="comments"><h3>{_e(COMMENTS_TITLE)}</h3><ol>{comments}</ol></section>
</main>
<aside class="sidebar most-read"><h3>{_e(MOST_READ_TITLE)}</h3><ol>{most}</ol></aside>
<div class="newsletter"><p>{_e(NEWSLETTER)}</p></div>
<footer class="site-footer"><p>{_e(FOOTER)}</p></footer>
</body>
</html>
"""


def newspaper(article: Article) -> str:
    """An older newspaper site, Windows-1256, tables for layout, h3 sections, no <article> element."""
    title = _e(article.title.source)
    body = _body_html(article, "h3", dateline_strong=True)
    nav = " | ".join(f'<a href="/s{i}">{_e(n)}</a>' for i, n in enumerate(NAV))
    related = "".join(f'<li><a href="/r{i}">{_e(t)}</a></li>' for i, t in enumerate(RELATED))
    most = "".join(f'<div class="item"><a href="/m{i}">{_e(t)}</a></div>' for i, t in enumerate(MOST_READ))
    comments = "".join(
        f'<div class="comment-box"><b>{_e(a)}</b><div class="comment-text">{_e(t)}</div></div>'
        for a, t in COMMENTS
    )
    return f"""<html dir="rtl">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">
<title>{title}</title>
<link href="{_external("style.css")}" rel="stylesheet" type="text/css">
<script type="text/javascript" src="{_external("ads.js")}"></script>
</head>
<body>
<table width="100%"><tr><td class="topnav">{nav}</td></tr></table>
<table width="100%"><tr>
<td class="main" valign="top">
<div class="date">دولي آخر تحديث في</div>
<h1 class="headline">{title}</h1>
<img src="{_external("news.jpg")}">
<div id="content">
{chr(10).join(body)}
</div>
<div class="related"><h4>{_e(RELATED_TITLE)}</h4><ul>{related}</ul></div>
<div id="comments"><h4>{_e(COMMENTS_TITLE)}</h4>{comments}</div>
</td>
<td class="side" valign="top" width="250">
<div class="box"><div class="box-title">يقرأون الآن</div>{most}</div>
<iframe src="{_external("ad-slot")}"></iframe>
</td>
</tr></table>
<div class="cookies">{_e(COOKIE)} <a href="#">{_e(COOKIE_BUTTON)}</a></div>
<div class="footer">{_e(FOOTER)}</div>
</body>
</html>
"""


def amp(article: Article) -> str:
    """A modern mobile page: BOM, header inside <article>, figure, an aside inside the article."""
    title = _e(article.title.source)
    body = _body_html(article, "h2", dateline_strong=False)
    body.insert(
        14,
        '<aside class="most-read"><h2>الأكثر قراءة</h2><ol>'
        + "".join(f'<li><a href="/a{i}">{_e(t)}</a></li>' for i, t in enumerate(MOST_READ))
        + "</ol></aside>",
    )
    return f"""\ufeff<!doctype html>
<html amp lang="ar" dir="rtl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width">
<meta property="og:title" content="{title}">
<title>{title}</title>
<link rel="canonical" href="{_external("article")}">
<script async src="{_external("v0.js")}"></script>
</head>
<body>
<header><nav>{"".join(f'<a href="/n{i}">{_e(n)}</a>' for i, n in enumerate(NAV))}</nav></header>
<div class="consent-popup" role="dialog"><p>{_e(COOKIE)}</p><button>{_e(COOKIE_BUTTON)}</button></div>
<article>
<header><p class="kicker">دولي</p><p class="updated">آخر تحديث في</p><h1>{title}</h1></header>
<figure><amp-img src="{_external("hero.jpg")}" width="800" height="450"></amp-img>
<figcaption>صورة أرشيفية</figcaption></figure>
{chr(10).join(body)}
<footer><h2>{_e(RELATED_TITLE)}</h2><ul>{"".join(f'<li><a href="/x{i}">{_e(t)}</a></li>' for i, t in enumerate(RELATED))}</ul></footer>
</article>
<section class="comments"><h2>{_e(COMMENTS_TITLE)}</h2>{"".join(f"<p>{_e(a)}: {_e(t)}</p>" for a, t in COMMENTS)}</section>
<p class="newsletter">{_e(NEWSLETTER)}</p>
<footer><p>{_e(FOOTER)}</p><p>يقرأون الآن</p></footer>
</body>
</html>
"""


TEMPLATES = {"portal": portal, "newspaper": newspaper, "amp": amp}
ENCODINGS = {"portal": "utf-8", "newspaper": "cp1256", "amp": "utf-8"}


def page_bytes(template: str, article: Article | None = None) -> bytes:
    """The seed (or `article`) as a saved page, in the template's own encoding."""
    text = TEMPLATES[template](article or seed_article())
    return text.encode(ENCODINGS[template])


def write_pages(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name in TEMPLATES:
        out[name] = folder / f"{name}.html"
        out[name].write_bytes(page_bytes(name))
    return out
