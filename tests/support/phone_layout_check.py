#!/usr/bin/env python3
"""Opens a page in headless Chromium as a phone would show it (390 x 844 CSS pixels, scale 3,
touch, mobile viewport) and checks that nothing is wider than the screen, so nobody has to
scroll sideways; keeps a screenshot.

    phone_layout_check.py CHROMIUM URL SCREENSHOT.png PROFILE_DIR

Chromium is driven over its DevTools protocol on a pipe (--remote-debugging-pipe: file
descriptors 3 and 4, one JSON message per NUL-terminated chunk), so no WebSocket library and
no port are needed. Exits 1 with the widest elements named when the page is too wide.
"""

import base64
import json
import os
import subprocess
import sys
import time

WIDTH, HEIGHT = 390, 844

# Measured inside the page: the document's width against the screen's, and which elements
# reach past the right edge (the innermost ones are what to fix).
MEASURE = """(() => {
  const width = %d;
  const wide = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.right > width + 1 && r.width > 0) {
      wide.push(e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined
          ? '.' + e.className : '') + ' ' + Math.round(r.right) + 'px');
    }
  }
  return JSON.stringify({inner: width, scroll: document.documentElement.scrollWidth,
                         wide: wide.slice(-5)});
})()""" % WIDTH


class DevTools:
    def __init__(self, chromium, profile):
        to_chromium_r, self.to_chromium = os.pipe()
        self.from_chromium, from_chromium_w = os.pipe()

        def onto_fds_3_and_4():
            # Chromium reads commands on fd 3 and writes answers on fd 4. Moved out of the way
            # first, as the pipes may themselves be 3 to 6; dup2 leaves the copies inheritable,
            # and every other descriptor of ours is close-on-exec (close_fds=False is safe).
            high_r, high_w = os.dup(to_chromium_r), os.dup(from_chromium_w)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             f"--user-data-dir={profile}", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--disable-default-apps",
             "--disable-extensions", "--safebrowsing-disable-auto-update",
             "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=False, preexec_fn=onto_fds_3_and_4)
        os.close(to_chromium_r)
        os.close(from_chromium_w)
        self.buffer = b""
        self.next_id = 0

    def call(self, method, session=None, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.to_chromium, json.dumps(message).encode() + b"\0")
        while True:
            answer = self.read()
            if answer.get("id") == self.next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]

    def read(self):
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_chromium, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def close(self):
        try:
            self.call("Browser.close")
        except RuntimeError:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def main():
    chromium, url, screenshot, profile = sys.argv[1:5]
    tools = DevTools(chromium, profile)
    try:
        target = tools.call("Target.createTarget", url="about:blank")["targetId"]
        session = tools.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        tools.call("Emulation.setDeviceMetricsOverride", session, width=WIDTH, height=HEIGHT,
                   deviceScaleFactor=3, mobile=True)
        tools.call("Emulation.setTouchEmulationEnabled", session, enabled=True)
        tools.call("Page.enable", session)
        tools.call("Page.navigate", session, url=url)
        deadline = time.monotonic() + 30
        while True:
            state = tools.call("Runtime.evaluate", session, expression="document.readyState")
            if state["result"].get("value") == "complete":
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not finish loading in 30 s")
            time.sleep(0.1)
        measured = json.loads(tools.call("Runtime.evaluate", session,
                                         expression=MEASURE)["result"]["value"])
        shot = tools.call("Page.captureScreenshot", session, format="png")
        with open(screenshot, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
    finally:
        tools.close()
    # A phone widens the layout viewport to whatever is too wide (and zooms out), so either
    # width past the screen's means the page does not fit.
    if max(measured["inner"], measured["scroll"]) > WIDTH:
        print(f"the page is {max(measured['inner'], measured['scroll'])} px wide on a {WIDTH} px "
              f"phone (no <meta name=viewport>, or something too wide); past the edge: "
              f"{', '.join(measured['wide']) or 'nothing measurable'}", file=sys.stderr)
        return 1
    print(f"fits a {WIDTH} px phone: the document is {measured['scroll']} px wide; "
          f"screenshot in {screenshot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
