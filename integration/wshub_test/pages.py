"""The built-in pages in headless Chromium (wshub_test.browser): a browser
that leaves a screenshot of every tab when the test fails, bounded waits on
the page's DOM, the demo's form, and wshub.js driven from a page."""

import contextlib
import os

from wshub_test.browser import chromium

WAIT = 10  # seconds: the bound for anything a page should show


@contextlib.contextmanager
def browser_for(directory):
    """chromium() at 1000x700 whose every tab is saved as a PNG into
    `directory` (pytest's tmp_path) if the block raises; the paths are
    printed, and pytest shows them with the failure."""
    with chromium() as browser:
        browser.set_window_size(1000, 700)
        try:
            yield browser
        except BaseException:
            for i, handle in enumerate(browser.window_handles):
                try:
                    browser.switch_to.window(handle)
                    path = os.path.join(directory, f"failure-tab{i}.png")
                    browser.save_screenshot(path)
                    print(f"screenshot of tab {i} ({browser.current_url}): {path}")
                except Exception as e:  # a crashed tab: say so and keep the test's own error
                    print(f"no screenshot of tab {i}: {e}")
            raise


def wait_until(browser, condition, what, timeout=WAIT):
    """condition(browser)'s first truthy value, polled; fails saying `what`."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(browser, timeout, poll_frequency=0.05).until(condition)
    except TimeoutException:
        raise AssertionError(f"not within {timeout}s: {what}") from None


def texts(browser, css):
    """The text of each element `css` selects, read in one script: the
    pages replace their lists whole, so elements found first and read one
    by one afterwards may be gone (stale) by then."""
    return browser.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map((e) => e.textContent)", css)


def element(browser, element_id):
    from selenium.webdriver.common.by import By

    return browser.find_element(By.ID, element_id)


def demo_join(browser, name, room):
    """Fills the demo's form as a person would and presses Join; waits until
    the page lists itself in the room."""
    wait_until(browser, lambda b: element(b, "status").get_attribute("data-state") == "open",
               "the demo connected")
    for field, value in (("name", name), ("room", room)):
        element(browser, field).clear()
        element(browser, field).send_keys(value)
    element(browser, "join-button").click()
    wait_until(browser, lambda b: f"{name} (you)" in texts(b, "#members li"), f"{name} listed in {room}")


def demo_say(browser, text):
    element(browser, "text").send_keys(text + "\n")


def chat_lines(browser):
    """[(who, text)] of the chat lines the log shows (not the notices)."""
    return [tuple(pair) for pair in browser.execute_script(
        "return [...document.querySelectorAll('#log li.msg')]"
        ".map((e) => [e.querySelector('.who').textContent, e.querySelector('.text').textContent])")]


# Runs in a page (execute_async_script): imports /wshub.js, connects with
# arguments[0] as options, keeps the hub and what it reports in window.t, and
# calls back once welcomed, or with the close event if it closes first.
CONNECT_SCRIPT = """
const [options, done] = arguments;
import('/wshub.js').then(({ connect }) => {
  const t = window.t = { events: [], hub: connect(options) };
  for (const type of ['open', 'welcome', 'joined', 'message', 'direct', 'presence', 'error', 'close'])
    t.hub.on(type, (detail) => t.events.push({ type, detail }));
  t.hub.on('welcome', (m) => done({ welcome: m, protocol: t.hub.ws.protocol }));
  t.hub.on('close', (e) => done({ close: e }));
}, (err) => done({ importError: String(err) }));
"""


def hub_connect(browser, **options):
    """A wshub.js hub in the page (window.t.hub) with these options: the
    welcome and the subprotocol the server chose, or the close."""
    return browser.execute_async_script(CONNECT_SCRIPT, options)


def hub_call(browser, expression):
    """Awaits `expression` (JavaScript, with `hub` bound) in the page; its
    value, or {"error": code} when it rejects."""
    script = ("const done = arguments[0]; const hub = window.t.hub;"
              f"Promise.resolve().then(() => {expression})"
              ".then((v) => done({ value: v ?? null }), (e) => done({ error: e.code || String(e) }));")
    return browser.execute_async_script(script)


def hub_events(browser, type_):
    return browser.execute_script("return window.t.events.filter((e) => e.type === arguments[0])"
                                  ".map((e) => e.detail)", type_)
