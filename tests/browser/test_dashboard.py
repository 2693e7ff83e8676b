"""The kabupaten view in a real browser (issue 14), on the dashboard of a demo database: the
kabupaten's viewer signs in by the link /dasbor gives, sees the overview of his Kecamatan (and
not another kabupaten's), opens a run, downloads the exports and the dossier, which are read
back; another kabupaten's run, an expired or tampered link and a missing session each get a
clear page and no data. A Kasi sees only the run he took part in, and only his own uploads.
The security headers and the cookie's flags are checked, and the accessibility basics
(labels, contrast, keyboard focus) by small checks of our own."""

from __future__ import annotations

import csv
import io
import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.browser.dashboard_site import PERIOD, Site

VIEWER = "Hendra Gunawan, S.STP."
KASI = "Rina Marlina"
WAIT = 30  # seconds: the deadline of every wait on a condition


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def fetch(url: str, cookie: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """A GET without following redirects: status, headers, body."""
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with opener.open(request, timeout=WAIT) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, dict(exc.headers), exc.read()


def session_cookie(site: Site, name: str) -> str:
    """Sign in by link outside the browser; the Cookie header of the session."""
    status, headers, _ = fetch(site.link(name))
    assert status == 303
    return headers["Set-Cookie"].split(";", 1)[0]


def wait_text(driver: webdriver.Chrome, text: str) -> None:
    """Wait until the page's text holds `text`."""
    WebDriverWait(driver, WAIT).until(lambda d: text in d.find_element(By.TAG_NAME, "body").text)


def wait_file(folder: Path, suffix: str) -> Path:
    """Wait until a finished download with this suffix is in the folder."""

    def done(_: object) -> Path | None:
        found = [p for p in folder.glob(f"*{suffix}") if p.stat().st_size > 0]
        partial = list(folder.glob("*.crdownload"))
        return found[0] if found and not partial else None

    return WebDriverWait(None, WAIT, poll_frequency=0.1).until(done)  # type: ignore[arg-type]


def sign_in(driver: webdriver.Chrome, site: Site, name: str) -> None:
    """Open the person's link afresh, as from Telegram."""
    driver.delete_all_cookies()
    driver.get(site.link(name))
    WebDriverWait(driver, WAIT).until(lambda d: d.current_url.endswith("/dasbor/"))


def test_viewer_signs_in_by_link_and_sees_his_kabupaten(
    browser: webdriver.Chrome, site: Site, tmp_path: Path
) -> None:
    sign_in(browser, site, VIEWER)
    wait_text(browser, "Kabupaten Purwakarta")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Ikhtisar — Kabupaten Purwakarta"
    offices = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#ikhtisar tbody th")]
    assert offices == ["Kecamatan Contoh", "Kecamatan Sukasari"]  # Cibatu is in Subang
    contoh = browser.find_element(By.XPATH, "//tr[th='Kecamatan Contoh']")
    cells = [c.text for c in contoh.find_elements(By.TAG_NAME, "td")]
    assert cells[0] == f"Pengukuran Kinerja {PERIOD}\nselesai"
    assert cells[4] != "—" and cells[5] != "—"  # budget used, average capaian
    sukasari = browser.find_element(By.XPATH, "//tr[th='Kecamatan Sukasari']")
    assert "berjalan" in sukasari.text and "1/14" in sukasari.text
    assert Select(browser.find_element(By.ID, "periode")).first_selected_option.text == PERIOD
    # Every timeline thumbnail loaded (a PNG the browser could decode).
    WebDriverWait(browser, WAIT).until(
        lambda d: all(
            d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img)
            for img in d.find_elements(By.CSS_SELECTOR, "img.thumb")
        )
    )
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, int(height) + 200)  # the window's frame takes some
    shot = tmp_path / "dasbor-ikhtisar.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes().startswith(b"\x89PNG")
    if os.environ.get("KINERJA_SCREENSHOT"):  # refresh the README's picture
        Path(os.environ["KINERJA_SCREENSHOT"]).write_bytes(shot.read_bytes())
    browser.set_window_size(1280, 900)


def test_sorting_and_the_period_filter_are_links_and_a_form(
    browser: webdriver.Chrome, site: Site
) -> None:
    sign_in(browser, site, VIEWER)
    browser.find_element(By.LINK_TEXT, "Anggaran waktu terpakai (%)").click()
    WebDriverWait(browser, WAIT).until(lambda d: "urut=anggaran" in d.current_url)
    offices = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#ikhtisar tbody th")]
    assert offices == ["Kecamatan Sukasari", "Kecamatan Contoh"]  # 0 % before the finished run
    browser.find_element(By.PARTIAL_LINK_TEXT, "Anggaran waktu terpakai").click()
    WebDriverWait(browser, WAIT).until(lambda d: "arah=turun" in d.current_url)
    offices = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#ikhtisar tbody th")]
    assert offices == ["Kecamatan Contoh", "Kecamatan Sukasari"]
    Select(browser.find_element(By.ID, "periode")).select_by_visible_text("Semua proses")
    browser.find_element(By.CSS_SELECTOR, "form.filter button").click()
    WebDriverWait(browser, WAIT).until(lambda d: "periode=semua" in d.current_url)
    assert "Ikhtisar" in browser.find_element(By.TAG_NAME, "caption").text


def test_the_overview_export_reads_back_as_the_page_shows_it(
    browser: webdriver.Chrome, site: Site, downloads: Path
) -> None:
    sign_in(browser, site, VIEWER)
    shown = browser.find_element(By.XPATH, "//tr[th='Kecamatan Contoh']/td[6]").text
    browser.find_element(By.ID, "ekspor-xlsx").click()
    book = load_workbook(wait_file(downloads, "ikhtisar-triwulan-iv-2026.xlsx"))
    sheet = book.active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == f"Kabupaten Purwakarta — {PERIOD}".replace("Kabupaten ", "")
    assert rows[1][:3] == ("Kantor", "Proses", "Periode")
    contoh = next(r for r in rows if r[0] == "Kecamatan Contoh")
    assert contoh[1] == f"Pengukuran Kinerja {PERIOD}" and contoh[3] == "selesai"
    assert f"{contoh[8]:.2f}".replace(".", ",").rstrip("0").rstrip(",") == shown
    assert {r[0] for r in rows[2:]} == {"Kecamatan Contoh", "Kecamatan Sukasari"}
    browser.find_element(By.ID, "ekspor-csv").click()
    saved = wait_file(downloads, "ikhtisar-triwulan-iv-2026.csv")
    table = list(csv.reader(io.StringIO(saved.read_text("utf-8-sig"))))
    assert table[0][0] == "Kantor" and {r[0] for r in table[1:]} == {
        "Kecamatan Contoh",
        "Kecamatan Sukasari",
    }


def test_a_run_page_shows_the_trail_and_its_downloads_read_back(
    browser: webdriver.Chrome, site: Site, downloads: Path
) -> None:
    sign_in(browser, site, VIEWER)
    browser.find_element(By.LINK_TEXT, f"Pengukuran Kinerja {PERIOD}").click()
    WebDriverWait(browser, WAIT).until(lambda d: "/dasbor/proses/" in d.current_url)
    assert browser.find_element(By.TAG_NAME, "h1").text == f"Pengukuran Kinerja {PERIOD}"
    trail = browser.find_element(By.ID, "jejak").text
    assert "Drs. Ahmad Suryana" in trail and "mengembalikan" in trail
    returned = browser.find_elements(By.CSS_SELECTOR, "#jejak tr.returned")
    assert returned and "IKU-04" in returned[0].text  # the Camat's note on the return
    assert "dikembalikan ke langkah 7" in browser.find_element(By.CLASS_NAME, "notes").text
    assert (
        browser.execute_script("return document.querySelector('img.chart').naturalWidth") == 1200
    )
    browser.find_element(By.ID, "jejak-xlsx").click()
    book = load_workbook(wait_file(downloads, "jejak-pengukuran-kinerja-triwulan-iv-2026.xlsx"))
    sheet = book.active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == ("Waktu", "Siapa", "Langkah", "Apa", "Catatan")
    assert any(r[3] == "mengembalikan" and "IKU-04" in str(r[4]) for r in rows[2:])
    assert len(rows) - 2 == len(browser.find_elements(By.CSS_SELECTOR, "#jejak tbody tr"))
    browser.find_element(By.ID, "berkas").click()
    dossier = wait_file(downloads, "berkas-pengukuran-kinerja-triwulan-iv-2026.pdf")
    text = "".join(p.extract_text() for p in PdfReader(dossier).pages)
    assert "BERKAS PROSES SOP" in text and f"Pengukuran Kinerja {PERIOD}" in text


def test_another_kabupatens_run_gets_a_clear_403_page_and_no_data(
    browser: webdriver.Chrome, site: Site
) -> None:
    sign_in(browser, site, VIEWER)
    other = site.runs["Kecamatan Cibatu"]
    browser.get(f"{site.base}/dasbor/proses/{other}")
    wait_text(browser, "tidak termasuk yang boleh Anda lihat")
    assert "Kecamatan Cibatu" not in browser.page_source
    cookie = session_cookie(site, VIEWER)
    for path in ("", "/grafik.png", "/jejak.xlsx", "/jejak.csv", "/berkas.pdf", "/arsip.zip"):
        status, headers, body = fetch(f"{site.base}/dasbor/proses/{other}{path}", cookie)
        assert status == 403, path
        assert headers["Content-Type"].startswith("text/html")
        assert b"Cibatu" not in body
    # A run id that does not exist looks the same from outside.
    assert fetch(f"{site.base}/dasbor/proses/{'0' * 32}", cookie)[0] == 403


def test_expired_or_tampered_links_and_no_session_get_clear_pages(
    browser: webdriver.Chrome, site: Site
) -> None:
    browser.delete_all_cookies()
    browser.get(site.expired_link(VIEWER))
    wait_text(browser, "sudah kedaluwarsa")
    assert browser.get_cookies() == []
    good = site.link(VIEWER)
    browser.get(good[:-1] + ("A" if good[-1] != "A" else "B"))
    wait_text(browser, "tidak sah")
    browser.get(good.replace(site.people[VIEWER].id, site.people["Drs. Ahmad Suryana"].id))
    wait_text(browser, "tidak sah")  # the signature binds the link to its person
    assert browser.get_cookies() == []
    browser.get(f"{site.base}/dasbor/")
    wait_text(browser, "Anda belum masuk")
    assert fetch(f"{site.base}/dasbor/")[0] == 401
    assert fetch(site.expired_link(VIEWER))[0] == 403


def test_a_kasi_sees_only_his_run_and_his_own_uploads(site: Site) -> None:
    cookie = session_cookie(site, KASI)
    status, _, body = fetch(f"{site.base}/dasbor/", cookie)
    page = body.decode()
    assert status == 200 and "Kecamatan Contoh" in page and "Sukasari" not in page
    run = site.runs["Kecamatan Contoh"]
    page = fetch(f"{site.base}/dasbor/proses/{run}", cookie)[2].decode()
    assert "hanya untuk pemeriksa" in page  # others' documents are listed without a link
    assert "format-terisi-rina.xlsx</a>" in page  # her own upload is hers to download
    assert 'id="berkas"' not in page
    assert fetch(f"{site.base}/dasbor/proses/{run}/berkas.pdf", cookie)[0] == 403
    assert fetch(f"{site.base}/dasbor/proses/{site.runs['Kecamatan Sukasari']}", cookie)[0] == 403


def test_security_headers_and_the_session_cookie(browser: webdriver.Chrome, site: Site) -> None:
    sign_in(browser, site, VIEWER)
    cookie = browser.get_cookie("kinerja_dasbor")
    assert cookie is not None
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
    assert browser.execute_script("return document.cookie") == ""  # not readable by scripts
    status, headers, body = fetch(f"{site.base}/dasbor/", session_cookie(site, VIEWER))
    assert status == 200 and b"<script" not in body
    assert "script-src" not in headers["Content-Security-Policy"]  # default-src 'none'
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    request = urllib.request.Request(f"{site.base}/dasbor/", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=WAIT)
    with refused.value:
        assert refused.value.code == 405  # read-only: nothing but GET


CONTRAST = """
function lum(rgb) {
  const c = rgb.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map(v => v / 255)
    .map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}
function background(el) {
  for (let e = el; e; e = e.parentElement) {
    const bg = getComputedStyle(e).backgroundColor;
    const alpha = bg.match(/rgba\\(.*,\\s*([\\d.]+)\\)/);
    if (!alpha || Number(alpha[1]) > 0.5) { if (bg !== 'rgba(0, 0, 0, 0)') return bg; }
  }
  return 'rgb(255, 255, 255)';
}
const worst = [];
let checked = 0;
for (const el of document.querySelectorAll('body *')) {
  const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!own || el.offsetParent === null) continue;
  checked += 1;
  const a = lum(getComputedStyle(el).color), b = lum(background(el));
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const what = el.tagName + ' ' + el.textContent.trim().slice(0, 30);
  if (ratio < 4.5) worst.push(what + ' ' + ratio.toFixed(2));
}
return [checked, worst];
"""


@pytest.mark.parametrize("page", ["overview", "run"])
def test_accessibility_basics_labels_contrast_and_keyboard(
    browser: webdriver.Chrome, site: Site, page: str
) -> None:
    sign_in(browser, site, VIEWER)
    if page == "run":
        browser.get(f"{site.base}/dasbor/proses/{site.runs['Kecamatan Contoh']}")
        wait_text(browser, "Jejak proses")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "id"
    # Every form control has a label; every image a text alternative; tables a caption.
    for control in browser.find_elements(By.CSS_SELECTOR, "select, input:not([type=hidden])"):
        name = control.get_attribute("id")
        assert browser.find_elements(By.CSS_SELECTOR, f"label[for='{name}']"), name
    for image in browser.find_elements(By.TAG_NAME, "img"):
        assert (image.get_attribute("alt") or "").strip()
    for table in browser.find_elements(By.TAG_NAME, "table"):
        assert table.find_element(By.TAG_NAME, "caption").text.strip()
    # Text contrast at least 4.5:1 (WCAG AA) against what is behind it.
    checked, worst = browser.execute_script(CONTRAST)
    assert checked > 20 and worst == []
    # The keyboard: Tab starts at the skip link, reaches every link and control in order,
    # and the focused element shows a visible ring.
    browser.get(browser.current_url)  # a fresh page: the focus starts at the document
    wait_text(browser, "Masuk sebagai")
    focusable = browser.execute_script(
        "return [...document.querySelectorAll('a[href], select, button, [tabindex=\"0\"]')]"
        ".filter(e => e.offsetParent !== null || e.classList.contains('skip')).length"
    )
    seen = []
    for _ in range(int(focusable)):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        active = browser.switch_to.active_element
        seen.append(active)
        outline = active.value_of_css_property("outline-style")
        assert outline not in ("none", ""), active.get_attribute("outerHTML")[:80]
    assert "skip" in (seen[0].get_attribute("class") or "")
    assert len({e.id for e in seen}) == int(focusable)
