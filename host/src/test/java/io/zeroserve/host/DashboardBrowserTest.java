package io.zeroserve.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.zeroserve.functions.store.Sha256;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard end to end, in Debian's headless Chromium driven through its chromedriver, against a
 * live node with API tokens on: token prompt, deploy with progress, try it, the replica on the cluster
 * map until its idle timeout, a config change (rollback), a phone-sized window, and no console errors.
 * Screenshots go to {@code target/dashboard-screenshots/}. The steps share one browser and one node and
 * run in order. Without Chromium the class fails: CI installs it ({@code .ci/run}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {

  private static final String CHROMIUM = System.getProperty("zeroserve.chromium", "/usr/bin/chromium");
  private static final String CHROMEDRIVER = System.getProperty("zeroserve.chromedriver", "/usr/bin/chromedriver");
  private static final String TOKEN = "dashboard-admin-token-0123456789";
  private static final String FUNCTION = "dash-add";
  /** Short enough to watch the replica go, long enough to see it after the try-it call. */
  private static final String IDLE_TIMEOUT = "8s";
  private static final Path SCREENSHOTS = Path.of("target", "dashboard-screenshots");

  @TempDir
  static Path dir;
  private static NodeFixture node;
  private static WebDriver browser;
  private static ChromeDriverService driverService;

  @BeforeAll
  static void start() throws Exception {
    for (String binary : List.of(CHROMIUM, CHROMEDRIVER)) {
      if (!Files.isExecutable(Path.of(binary))) {
        fail("the dashboard's browser tests need Chromium and its driver: " + binary + " is missing. Install them "
            + "with `apt-get install -y chromium chromium-driver` (.ci/run does this in CI)");
      }
    }
    Files.createDirectories(SCREENSHOTS);
    Path tokens = dir.resolve("tokens.json");
    Files.writeString(tokens, new JsonObject().put("tokens", new JsonArray().add(new JsonObject().put("name", "ui")
        .put("sha256", Sha256.of(TOKEN.getBytes(StandardCharsets.UTF_8))).put("scopes", new JsonArray().add("admin"))))
        .encode());
    node = NodeFixture.start(dir.resolve("data"), "--tokens-file", tokens.toString());

    // The driver and the browser are named explicitly, so Selenium Manager never looks for (or downloads) either.
    driverService = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER))
        .usingAnyFreePort().build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=1366,900",
        "--user-data-dir=" + Files.createTempDirectory(dir, "chromium-profile"));
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    browser = new ChromeDriver(driverService, options);
    browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() {
    try {
      if (browser != null) {
        browser.quit();
      }
    } finally {
      if (driverService != null) {
        driverService.stop();
      }
      if (node != null) {
        node.close();
      }
    }
  }

  @AfterEach
  void screenshot(TestInfo test) throws Exception {
    if (browser != null) {
      byte[] png = ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES);
      Files.write(SCREENSHOTS.resolve(test.getTestMethod().orElseThrow().getName() + ".png"), png);
    }
  }

  @Test
  @Order(1)
  void rootRedirectsToTheDashboard_whichAsksForATokenAndThenShowsThisNode() {
    browser.get(base() + "/");
    wait(10).until(ExpectedConditions.urlContains("/ui/"));
    WebElement input = wait(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("token-input")));
    input.sendKeys(TOKEN, Keys.ENTER);
    WebElement self = wait(10).until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector(".node[data-node='" + node.node().nodeId() + "']")));
    assertTrue(self.getText().contains("this node"), self.getText());
    assertTrue(self.findElement(By.cssSelector(".device[data-kind='cpu']")).getText().contains("CPU"));
    assertNoConsoleErrors();
  }

  @Test
  @Order(2)
  void deployForm_uploadsWithProgress_andShowsTheNewVersion() throws Exception {
    Path model = dir.resolve("add.onnx");
    Files.write(model, TestModels.addConstant(2));
    browser.findElement(By.cssSelector("nav a[data-nav='deploy']")).click();
    WebElement form = wait(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("deploy-form")));
    form.findElement(By.id("deploy-name")).sendKeys(FUNCTION);
    form.findElement(By.id("deploy-file")).sendKeys(model.toAbsolutePath().toString());
    form.findElement(By.id("deploy-idleTimeout")).sendKeys(IDLE_TIMEOUT);
    form.findElement(By.id("deploy-submit")).click();
    WebElement link = wait(30).until(ExpectedConditions.visibilityOfElementLocated(By.id("deploy-result-link")));
    assertEquals(FUNCTION + " v1", link.getText());
    WebElement progress = browser.findElement(By.id("deploy-progress"));
    assertTrue(Integer.parseInt(progress.getDomAttribute("data-events")) >= 1, "upload progress was reported");
    assertEquals(progress.getDomProperty("max"), progress.getDomProperty("value"), "the progress bar is full");
    assertTrue(Double.parseDouble(progress.getDomProperty("max")) >= Files.size(model), "the whole file was sent");
    assertTrue(browser.findElement(By.id("deploy-progress-text")).getText().contains("100%"));
    JsonObject config = describe(FUNCTION).getJsonObject("config");
    assertEquals(IDLE_TIMEOUT, config.getString("idleTimeout"), "the form's config reached the node");
    assertNoConsoleErrors();
  }

  @Test
  @Order(3)
  void deployForm_showsTheApisErrorMessageAsItIs() {
    browser.findElement(By.cssSelector("nav a[data-nav='functions']")).click(); // a fresh form
    browser.findElement(By.cssSelector("nav a[data-nav='deploy']")).click();
    WebElement form = wait(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("deploy-form")));
    form.findElement(By.id("deploy-name")).sendKeys("Bad Name!");
    form.findElement(By.id("deploy-file")).sendKeys(writeTemp("empty.onnx", "not a model").toString());
    form.findElement(By.id("deploy-submit")).click();
    WebElement error = wait(30).until(ExpectedConditions.visibilityOfElementLocated(By.id("deploy-error")));
    String expected = node.send(HttpMethod.POST, "/v1/functions/Bad%20Name!/versions", NodeFixture.headers(
        "content-type", "application/octet-stream", "authorization", "Bearer " + TOKEN), Buffer.buffer("x"))
        .expectError(400, "function name must match");
    wait(10).until(ExpectedConditions.textToBePresentInElement(error, expected));
    assertTrue(error.getText().startsWith("400: "), error.getText());
    // The browser reports the refused upload itself, as a failed resource; nothing else may appear.
    for (LogEntry e : severeConsoleEntries()) {
      assertTrue(e.getMessage().contains("status of 400"), "only the refused upload is reported: " + e);
    }
  }

  @Test
  @Order(4)
  void tryIt_sendsAV2Request_andShowsTheOutputAndTheCurlLine() {
    browser.get(base() + "/ui/#/functions/" + FUNCTION);
    WebElement data = wait(15).until(ExpectedConditions.visibilityOfElementLocated(By.id("try-0-data")));
    assertTrue(browser.findElement(By.cssSelector("fieldset[data-input-name='x']")).getText().contains("FP32"));
    data.clear();
    data.sendKeys("1, 2, 3, 4");
    browser.findElement(By.id("try-send")).click();
    WebElement output = wait(30).until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector("tr[data-output='y'] .output-data")));
    assertEquals("[3,4,5,6]", output.getText(), "x + 2");
    assertTrue(browser.findElement(By.id("try-time")).getText().matches("[0-9.]+ ms"));
    String curl = browser.findElement(By.id("try-curl")).getText();
    assertTrue(curl.contains(base() + "/v2/models/" + FUNCTION + "/infer"), curl);
    assertTrue(curl.contains("$ZS_TOKEN") && !curl.contains(TOKEN), "the curl line names the token, never shows it");
    assertTrue(curl.contains("\"data\":[1,2,3,4]"), curl);
    assertNoConsoleErrors();
  }

  @Test
  @Order(5)
  void clusterMap_showsTheReplica_untilItsIdleTimeoutUnloadsIt() throws Exception {
    browser.findElement(By.cssSelector("nav a[data-nav='cluster']")).click();
    By replica = By.cssSelector(".node[data-node='" + node.node().nodeId() + "'] .device[data-device='cpu'] "
        + ".replica[data-function='" + FUNCTION + "']");
    WebElement shown = wait(10).until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector(".node[data-node='" + node.node().nodeId() + "'] .replica[data-state='READY']")));
    assertTrue(shown.getText().contains(FUNCTION + " v1 · ready · queue 0"), shown.getText());
    Files.write(SCREENSHOTS.resolve("cluster-with-replica.png"), ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES));
    wait(40).until(ExpectedConditions.numberOfElementsToBe(replica, 0));
    browser.findElement(By.cssSelector("nav a[data-nav='functions']")).click();
    WebElement row = wait(10).until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector("tr[data-function='" + FUNCTION + "'] .replicas-cell")));
    wait(10).until(ExpectedConditions.textToBePresentInElement(row, "cold"));
    assertNoConsoleErrors();
  }

  @Test
  @Order(6)
  void configForm_rollsBackToAnOlderVersion() {
    node.send(HttpMethod.POST, "/v1/functions/" + FUNCTION + "/versions",
        NodeFixture.headers("content-type", "application/octet-stream", "authorization", "Bearer " + TOKEN),
        Buffer.buffer(TestModels.addConstant(7))).expect(201);
    browser.get(base() + "/ui/#/functions/" + FUNCTION);
    WebElement active = wait(15).until(ExpectedConditions.visibilityOfElementLocated(By.id("cfg-activeVersion")));
    new Select(active).selectByValue("1");
    browser.findElement(By.cssSelector("#config-form button[type='submit']")).click();
    wait(10).until(ExpectedConditions.textToBePresentInElementLocated(By.id("config-status"), "Saved."));
    JsonObject f = describe(FUNCTION);
    assertEquals(1, f.getInteger("activeVersion"));
    assertEquals(IDLE_TIMEOUT, f.getJsonObject("config").getString("idleTimeout"), "the rest of the config stays");
    assertNoConsoleErrors();
  }

  @Test
  @Order(7)
  void atPhoneWidth_pagesFitTheScreen() {
    browser.manage().window().setSize(new Dimension(390, 844));
    try {
      for (String page : List.of("#/cluster", "#/functions", "#/functions/" + FUNCTION, "#/deploy")) {
        browser.get(base() + "/ui/" + page);
        wait(10).until(ExpectedConditions.not(ExpectedConditions.textToBePresentInElementLocated(By.id("main"),
            "Loading")));
        long overflow = (Long) ((JavascriptExecutor) browser).executeScript(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertTrue(overflow <= 0, page + " scrolls sideways by " + overflow + " px at phone width");
        Files.write(SCREENSHOTS.resolve("phone-" + page.replaceAll("[^a-z-]", "") + ".png"),
            ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES));
      }
      assertNoConsoleErrors();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } finally {
      browser.manage().window().setSize(new Dimension(1366, 900));
    }
  }

  @Test
  @Order(8)
  void keyboardAlone_movesBetweenSections() {
    browser.get(base() + "/ui/#/cluster");
    wait(10).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(".node")));
    // The skip link is the first focusable element, and shows itself when focused.
    Object skipShown = ((JavascriptExecutor) browser).executeScript("const skip = document.querySelector('a, button, input');"
        + "skip.focus(); return skip.className === 'skip' && skip.getBoundingClientRect().left >= 0;");
    assertEquals(true, skipShown, "the first focusable element is the visible skip link");
    WebElement functions = null;
    for (int i = 0; i < 5 && functions == null; i++) {
      new Actions(browser).sendKeys(Keys.TAB).perform();
      WebElement focused = browser.switchTo().activeElement();
      if ("functions".equals(focused.getDomAttribute("data-nav"))) {
        functions = focused;
      }
    }
    assertTrue(functions != null, "Tab reaches the Functions link");
    new Actions(browser).sendKeys(Keys.ENTER).perform();
    wait(10).until(ExpectedConditions.urlContains("#/functions"));
    wait(10).until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("tr[data-function='" + FUNCTION + "'] a")));
    assertEquals("main", browser.switchTo().activeElement().getDomAttribute("id"), "focus moves to the new content");
    assertNoConsoleErrors();
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private static String base() {
    return "http://" + NodeFixture.HOST + ":" + node.port();
  }

  private static WebDriverWait wait(int seconds) {
    return new WebDriverWait(browser, Duration.ofSeconds(seconds));
  }

  private static JsonObject describe(String function) {
    return node.send(HttpMethod.GET, "/v1/functions/" + function, NodeFixture.headers("authorization", "Bearer " + TOKEN),
        null).expect(200);
  }

  private static Path writeTemp(String name, String content) {
    try {
      return Files.writeString(dir.resolve(name), content).toAbsolutePath();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static List<LogEntry> severeConsoleEntries() {
    return browser.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue()).toList();
  }

  /** Errors and warnings in the browser console since the last look (reading drains the log). */
  private static void assertNoConsoleErrors() {
    List<LogEntry> entries = severeConsoleEntries();
    assertTrue(entries.isEmpty(), "browser console errors or warnings: " + entries);
  }
}
