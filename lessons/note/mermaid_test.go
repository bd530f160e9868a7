package note

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Rendered Mermaid blocks, by the SHA-256 of their text, for the whole
// test process: a block two tests (or two notes) hold is rendered once.
var (
	mermaidMu  sync.Mutex
	mermaidSVG = map[[32]byte]string{}
)

// renderMermaid renders every block with Mermaid in chromium, as mmdc
// does, and returns each block's SVG. Unlike mmdc's Markdown mode, which
// opens a fresh page and loads Mermaid again for every block (about 2.5 CPU
// seconds a block on these machines), all blocks not rendered before in
// this process go through one page of one browser
// (testdata/mermaid-render.cjs), with the Mermaid mmdc loads, resolved from
// mmdc's own folder. A block Mermaid rejects fails the test, named with its
// text; the others are still rendered.
func renderMermaid(t *testing.T, blocks []string) []string {
	t.Helper()
	mmdc := needTool(t, "mermaid-cli (mmdc)", os.Getenv("NETTUTOR_MERMAID")+"/node_modules/.bin/mmdc", "mmdc", "/opt/nettutor-mermaid/node_modules/.bin/mmdc")
	chromium := needTool(t, "chromium", os.Getenv("PUPPETEER_EXECUTABLE_PATH"), "chromium", "/usr/bin/chromium")
	node := needTool(t, "node (mmdc's runtime)", "node", "nodejs")
	unshare := needTool(t, "unshare", "unshare")
	ipTool := needTool(t, "ip", "ip")
	cli, err := filepath.EvalSymlinks(mmdc) // .bin/mmdc -> @mermaid-js/mermaid-cli/src/cli.js
	if err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs(filepath.Join("testdata", "mermaid-render.cjs"))
	if err != nil {
		t.Fatal(err)
	}

	mermaidMu.Lock()
	defer mermaidMu.Unlock()
	var todo []string
	queued := map[[32]byte]bool{}
	for _, b := range blocks {
		k := sha256.Sum256([]byte(b))
		if _, ok := mermaidSVG[k]; !ok && !queued[k] {
			queued[k] = true
			todo = append(todo, b)
		}
	}
	if len(todo) > 0 {
		dir := t.TempDir()
		in, _ := json.Marshal(todo)
		// As root (CI), chromium needs --no-sandbox; the other flags keep it
		// from reaching for the network, which this machine does not have
		// (the same options the mmdc runs are given).
		cfg := fmt.Sprintf(`{"executablePath": %q, "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", "--user-data-dir=%s"]}`,
			chromium, filepath.Join(dir, "chromium"))
		if err := os.WriteFile(filepath.Join(dir, "blocks.json"), in, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "puppeteer.json"), []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		// A guard against a hung browser, not a measure.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		start := time.Now()
		// Puppeteer talks to chromium over loopback, and the sandbox's own
		// namespace has its lo down: the renderer runs in a namespace of its
		// own with only lo, up, so nothing it does can leave the machine.
		cmd := exec.CommandContext(ctx, unshare, "--net", "sh", "-c", ipTool+` link set lo up && exec "$0" "$@"`,
			node, script, cli, filepath.Join(dir, "puppeteer.json"), filepath.Join(dir, "blocks.json"), dir)
		cmd.Env = append(os.Environ(), "PUPPETEER_SKIP_DOWNLOAD=1")
		out, runErr := cmd.CombinedOutput()
		t.Logf("Mermaid rendered %d blocks in one page in %v", len(todo), time.Since(start).Round(time.Millisecond))
		bad := map[int]string{}
		for _, m := range regexp.MustCompile(`(?m)^block (\d+): (.*)$`).FindAllStringSubmatch(string(out), -1) {
			n, _ := strconv.Atoi(m[1])
			bad[n] = m[2]
		}
		for i, b := range todo {
			svg, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("out-%d.svg", i+1)))
			switch {
			case bad[i+1] != "":
				t.Errorf("Mermaid rejects block %d of %d: %s\n%s", i+1, len(todo), bad[i+1], b)
			case err != nil:
				t.Errorf("block %d of %d: no SVG (%v); the renderer said:\n%s\nthe block:\n%s", i+1, len(todo), err, out, b)
			default:
				mermaidSVG[sha256.Sum256([]byte(b))] = string(svg)
			}
		}
		if runErr != nil && len(bad) == 0 {
			t.Fatalf("mermaid-render.cjs: %v\n%s", runErr, out)
		}
		if t.Failed() {
			t.FailNow()
		}
	}
	svgs := make([]string, len(blocks))
	for i, b := range blocks {
		svgs[i] = mermaidSVG[sha256.Sum256([]byte(b))]
	}
	return svgs
}

// sameSVGText holds the one-page renderer to mmdc itself: each block's
// SVG text (every label, as svgText reads it) is the same from both.
func sameSVGText(t *testing.T, what string, onePage, mmdcFile string) {
	t.Helper()
	b, err := os.ReadFile(mmdcFile)
	if err != nil {
		t.Fatal(err)
	}
	if a, m := svgText(onePage), svgText(string(b)); a != m {
		t.Errorf("%s: the one-page render's text differs from mmdc's:\none page: %q\nmmdc:     %q", what, strings.ReplaceAll(a, "\n", " | "), strings.ReplaceAll(m, "\n", " | "))
	}
}
