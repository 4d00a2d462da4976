"""Headless Chromium through selenium and Debian's chromedriver, for the
WebSocket a real browser opens. Missing pieces skip the test, or fail it
where WSHUB_REQUIRE_BROWSER=1 (CI sets it)."""

import contextlib
import os
import shutil
import tempfile

import pytest

PACKAGES = "chromium chromium-driver python3-selenium"
BOUND = 30  # seconds: page loads and each script


def require(what):
    why = f"{what} is missing (apt-get install -y --no-install-recommends {PACKAGES})"
    if os.environ.get("WSHUB_REQUIRE_BROWSER") == "1":
        pytest.fail(why + "; WSHUB_REQUIRE_BROWSER=1 makes its absence an error")
    pytest.skip(why)


def tools():
    """(chromium, chromedriver) paths and the selenium webdriver module."""
    try:
        from selenium import webdriver
    except ImportError:
        require("selenium (python3-selenium)")
    chromium = shutil.which("chromium") or require("chromium")
    driver = shutil.which("chromedriver") or require("chromedriver (chromium-driver)")
    return chromium, driver, webdriver


@contextlib.contextmanager
def chromium():
    """A headless Chromium with a fresh profile in a temporary directory,
    driven by the chromedriver found on PATH (never one downloaded); quit
    and its profile removed on exit."""
    binary, driver_path, webdriver = tools()
    from selenium.webdriver.chrome.service import Service

    with tempfile.TemporaryDirectory(prefix="wshub-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = binary
        for arg in ("--headless=new", f"--user-data-dir={profile}", "--no-first-run", "--disable-gpu",
                    "--disable-dev-shm-usage", "--disable-extensions", "--no-default-browser-check"):
            options.add_argument(arg)
        if os.geteuid() == 0:
            options.add_argument("--no-sandbox")  # Chromium refuses to run as root with its sandbox
        service = Service(executable_path=driver_path, log_path=os.path.join(profile, "chromedriver.log"))
        browser = webdriver.Chrome(service=service, options=options)
        try:
            browser.set_page_load_timeout(BOUND)
            browser.set_script_timeout(BOUND)
            yield browser
        finally:
            browser.quit()


# Runs in the page (execute_async_script): opens a WebSocket to arguments[0],
# sends each of arguments[1] ({text} or {bytes: length}, generated here) and
# waits for its echo before the next, then closes. Calls back with
# {extensions, protocol, echoed, sizes, mismatch, error}.
ECHO_SCRIPT = """
const [url, specs, done] = arguments;
function makeText(n) {
  const words = ['{"type":"message","room":"lobby","data":{"text":"hello', 'ünïcode', '€', 'again"}}\\n'];
  let s = '';
  for (let i = 0; s.length < n; ++i) s += words[i % words.length] + ' ' + i;
  return s.slice(0, n);
}
function makeBytes(n) {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; ++i) b[i] = (i % 251) ^ ((i >> 9) & 0xff);
  return b;
}
const messages = specs.map((s) => s.text !== undefined ? makeText(s.text) : makeBytes(s.bytes));
const sizes = messages.map((m) => typeof m === 'string' ? new TextEncoder().encode(m).length : m.length);
const ws = new WebSocket(url);
ws.binaryType = 'arraybuffer';
let next = 0, mismatch = null;
function same(sent, got) {
  if (typeof sent === 'string') return got === sent;
  if (!(got instanceof ArrayBuffer) || got.byteLength !== sent.length) return false;
  const g = new Uint8Array(got);
  for (let i = 0; i < g.length; ++i) if (g[i] !== sent[i]) return false;
  return true;
}
function finish(error) {
  done({extensions: ws.extensions, protocol: ws.protocol, echoed: next, sizes, mismatch, error});
}
ws.onopen = () => ws.send(messages[0]);
ws.onmessage = (e) => {
  if (!same(messages[next], e.data)) { mismatch = next; ws.close(1000); return; }
  if (++next === messages.length) ws.close(1000); else ws.send(messages[next]);
};
ws.onerror = () => finish('error event');
ws.onclose = (e) => finish(e.code === 1000 ? null : 'closed ' + e.code);
"""


def echo_in_page(browser, page, url, specs):
    """Loads `page`, then runs ECHO_SCRIPT in it for `specs` ({"text": n} or
    {"bytes": n} each). The page comes from the server's own address:
    Chromium's local network access checks refuse a WebSocket to loopback
    from a page that is not on it (about:blank and data: URLs included)."""
    browser.get(page)
    return browser.execute_async_script(ECHO_SCRIPT, url, specs)
