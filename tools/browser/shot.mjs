// node shot.mjs BROWSER_URL BOLT_URI PASSWORD OUT.png STEP...
// Opens Neo4j Browser in headless Chromium (Debian's, or CHROMIUM), connects to BOLT_URI as
// neo4j and takes each STEP in turn, waiting for its result frame:
//   a command (":style URL", ":play URL", ":param ...", Cypher) is typed into the editor and run;
//   "guide:N" runs the N-th runnable block (from 1) of the guide on show, as a user clicks it.
// Then it waits for the graph layout to settle, saves a screenshot to OUT.png and prints the
// newest frame's text.
import { chromium } from "playwright-core";

const [url, bolt, password, out, ...commands] = process.argv.slice(2);
if (!out || commands.length === 0) {
  console.error("usage: node shot.mjs BROWSER_URL BOLT_URI PASSWORD OUT.png COMMAND...");
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(`${url}?dbms=${encodeURIComponent(bolt)}&preselectAuthMethod=NATIVE`);
  await page.getByTestId("username").fill("neo4j");
  await page.getByTestId("password").fill(password);
  await page.getByTestId("connect").click();
  await page.getByText("You are connected as user").first().waitFor({ timeout: 60000 });
  await dismissUsageBanner(page);
  for (const step of commands) {
    const frames = await page.getByTestId("frame").count();
    const guide = /^guide:(\d+)$/.exec(step);
    if (guide) {
      await page.locator("pre.runnable").nth(Number(guide[1]) - 1).click();
    } else {
      await page.getByTestId("activeEditor").locator("textarea").first().focus();
      await page.keyboard.insertText(step);
    }
    await page.getByTestId("editor-Run").click();
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="frame"]').length > n,
      frames,
      { timeout: 60000 },
    );
  }
  await page.waitForTimeout(4000); // the force layout settles
  await page.screenshot({ path: out });
  // What the newest frame shows (its overview lists node labels and relationship types).
  console.log(await page.getByTestId("frame").first().innerText());
} finally {
  await browser.close();
}

// The usage-data banner slides in a second or two after connecting and covers the frames'
// foot; its close control is the banner's last span. Newer Browsers may not show it at all.
async function dismissUsageBanner(page) {
  const banner = page.locator("div", { hasText: /^To help make Neo4j Browser better/ }).last();
  try {
    await banner.waitFor({ timeout: 10000 });
  } catch (error) {
    if (error.name === "TimeoutError") return;
    throw error;
  }
  await banner.locator(":scope > span").last().click();
  await banner.waitFor({ state: "detached", timeout: 10000 });
}
