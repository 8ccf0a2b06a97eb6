// Package chromium gives the browser tests one set of Chromium flags: the
// Debian Chromium `make test` installs (CHROMIUM_PATH), headless as root.
package chromium

import (
	"io"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// Options are the flags Chromium needs here: headless as root without the
// sandbox, a fresh profile, and nothing that reaches for the network on its
// own (on a closed network those connections are refused over and over).
// The browser's output goes to out; extra flags come last.
func Options(t testing.TB, execPath string, out io.Writer, width, height int, extra ...chromedp.ExecAllocatorOption) []chromedp.ExecAllocatorOption {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "profile")),
		chromedp.WindowSize(width, height),
		chromedp.CombinedOutput(out),
	)
	return append(opts, extra...)
}
