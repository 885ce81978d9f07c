"""Real saved pages from ../shared/corpus (skipped when absent): www.gov.cn and provincial portals.

The www.gov.cn page goes through the gov_cn parser, and through a real crawl from a temporary
mirror, once as saved (UTF-8) and once re-encoded to GBK behind a lying ``charset=utf-8``
header. The provincial pages (TRS, Hanweb and kepu.gov.cn templates) are parsed as configured
sites would be: the selectors below are what a ``sites.toml`` entry for them would say.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from crawler.encoding import decode_html
from crawler.parsers import gov_cn
from crawler.parsers.configured import Selectors, SiteConfig, parse_configured
from tests.conftest import CORPUS
from tests.mirror_cases import crawl, rows, stored_article

RAW = CORPUS / "govsites" / "raw"
GOV_CN_PAGE = RAW / "www.gov.cn" / "gongbao-2007-23-content_711039.html"
# Not recorded by the source repository; the breadcrumb and manuscriptId point here.
GOV_CN_URL = "https://www.gov.cn/gongbao/content/2007/content_711039.htm"
PROVINCIAL = RAW / "provincial-portals-zh"

pytestmark = pytest.mark.corpus


def read(path: Path) -> str:
    if not path.is_file():
        pytest.skip(f"{path} not present")
    return decode_html(path.read_bytes())


# --- www.gov.cn -------------------------------------------------------------------------------

GOV_CN_EXPECTED = {
    "headline": (
        "全国人民代表大会常务委员会关于批准财政部发行特别国债购买外汇及调整2007年末国债余额限额的决议"
    ),
    "published_at": "2007-08-20T23:59:59+08:00",
    "date_raw": "2007-08-20-23:59:59",
    "source": None,  # the gazette page names no 来源
    "editor": "马娟",
    "section": "2007年第23号",
    "lang": "zh",
    "extractor": "gov_cn",
}
GOV_CN_BODY_START = "全国人民代表大会常务委员会"
GOV_CN_BODY_END = "批准2007年末国债余额限额调整为53365.53亿元。"


def test_gov_cn_gazette_page():
    article = gov_cn.parse_article(read(GOV_CN_PAGE), GOV_CN_URL)
    for name, value in GOV_CN_EXPECTED.items():
        assert getattr(article, name) == value, name
    assert article.body.startswith(GOV_CN_BODY_START)
    assert article.body.endswith(GOV_CN_BODY_END)
    assert (
        "（2007年6月29日第十届全国人民代表大会常务委员会第二十八次会议通过）" in article.paragraphs
    )
    for chrome in ("打印", "扫一扫", "相关稿件", "京ICP备", "默认"):
        assert chrome not in article.body
    assert article.images == []  # logos, QR codes and the share image are not article images


@pytest.mark.parametrize("as_gbk", [False, True], ids=["utf-8", "gbk-lying-header"])
def test_gov_cn_gazette_page_through_a_crawl(as_gbk, tmp_path, mirror_server):
    read(GOV_CN_PAGE)
    target = tmp_path / "mirror" / "www.gov.cn" / "gongbao" / "content" / "2007"
    target.mkdir(parents=True)
    page = target / "content_711039.htm"
    if as_gbk:
        page.write_bytes(GOV_CN_PAGE.read_text(encoding="utf-8").encode("gbk"))
        sidecar = {"Content-Type": "text/html; charset=utf-8"}
        page.with_name(page.name + ".headers.json").write_text(json.dumps(sidecar))
    else:
        shutil.copyfile(GOV_CN_PAGE, page)
    server = mirror_server(tmp_path / "mirror")
    db = tmp_path / "govnews.db"
    crawl("gov_cn", db, server.url, "-a", f"start_url={GOV_CN_URL}")
    stored = stored_article(db, GOV_CN_URL)
    for name, value in GOV_CN_EXPECTED.items():
        assert stored[name] == value, name
    assert stored["body"].startswith(GOV_CN_BODY_START)
    assert stored["body"].endswith(GOV_CN_BODY_END)
    assert "\ufffd" not in stored["headline"] + stored["body"]
    assert len(rows(db, "select id from articles")) == 1


# --- provincial portals, as configured sites ---------------------------------------------------

PROVINCIAL_CASES = {
    "shanxi_trs": dict(
        file="shanxi.gov.cn-yw-sxyw-201909-t20190918_693227.shtml.html",
        url="http://www.shanxi.gov.cn/yw/sxyw/201909/t20190918_693227.shtml",
        selectors=Selectors(
            headline="div.detail-article-title h2",
            date="li.article-infos-source span:nth-of-type(1)",
            source="li.article-infos-source span:nth-of-type(2)",
            body="div.article-body div.TRS_Editor",
        ),
        headline="山西品牌丝路行（南美站）正式启动",
        published_at="2019-09-18T06:23:00+08:00",
        source="山西日报",
        start="跨越千山万水，行程近两万公里，山西品牌丝路行首次登陆巴西",
        end="南美站活动将先后在巴西、乌拉圭、阿根廷举行。（张巨峰）",
        captions=[("图为山西品牌丝路行（南美站）启动仪式。", "刘通")],
    ),
    "zhejiang_hanweb": dict(
        file="fgw.zj.gov.cn-art-2016-11-22-art_1621004_30332664.html",
        url="http://fgw.zj.gov.cn/art/2016/11/22/art_1621004_30332664.html",
        selectors=Selectors(
            headline="p.con-title",
            date="div.small-title span:nth-of-type(1)",
            source="div.small-title span:nth-of-type(3)",
            body="#zoom",
        ),
        headline="1-10月德清县固定资产投资结构趋稳趋优",
        published_at="2016-11-22",
        source="省发改委",
        start="1-10月，全县固定资产投资完成246.79亿元",
        end="总体全县投资结构趋稳趋优。（德清县发改局）",
        captions=[],
    ),
    "kepu": dict(
        file="www.kepu.gov.cn-politics-2023-12-01-content_1755244.html",
        url="http://www.kepu.gov.cn/politics/2023-12/01/content_1755244.html",
        selectors=Selectors(
            headline="div.detil-new-title > div",
            date="div.detil-new-title li:nth-of-type(3)",
            source="div.detil-new-title li:nth-of-type(1)",
            body="#content",
        ),
        headline="习近平主持召开深入推进长三角一体化发展座谈会",
        published_at="2023-12-01T14:43:00+08:00",
        source="新华社",
        start="习近平主持召开深入推进长三角一体化发展座谈会强调",
        end="有关地方、有关企业负责同志参加座谈会。",
        captions=[
            (
                "11月30日上午，中共中央总书记、国家主席、中央军委主席习近平在上海主持召开"
                "深入推进长三角一体化发展座谈会并发表重要讲话。",
                "新华社记者 谢环驰",
            )
        ]
        * 2,
    ),
}


@pytest.mark.parametrize("case", PROVINCIAL_CASES)
def test_provincial_page_as_a_configured_site(case):
    spec = PROVINCIAL_CASES[case]
    html = read(PROVINCIAL / spec["file"])
    site = SiteConfig(
        name=case,
        allowed_domains=(spec["url"].split("/")[2],),
        start_urls=(spec["url"],),
        article_url_pattern=r"\.s?html$",
        lang="zh",
        selectors=spec["selectors"],
    )
    article = parse_configured(html, spec["url"], site)
    assert article.headline == spec["headline"]
    assert article.published_at == spec["published_at"]
    assert article.source == spec["source"]
    assert article.body.startswith(spec["start"])
    assert article.body.endswith(spec["end"])
    assert [(i.caption, i.credit) for i in article.images] == spec["captions"]
    assert article.extractor == f"configured:{case}"
    for chrome in ("打印", "分享", "字体", "编辑：", "\ufffd"):
        assert chrome not in article.body
