package qemu

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The run command behind make qemu, scripted: its input's end halts the
// kernel with status 0, and it exits with the kernel's status.
func TestRunCommandScripted(t *testing.T) {
	if skipReason != "" {
		t.Skip(skipReason)
	}
	bin := buildRun(t)
	for _, tc := range []struct {
		name, script, append string
		status               int
		output               string
	}{
		{"end of input", "echo scripted\n", "", 0, "scripted\n"},
		{"no final newline", "echo partial", "", 0, "partial\n"},
		{"halt", "echo a\nhalt 9\necho never\n", "", 9, "pagoda: halt 9\n"},
		{"panic", "", "pagoda.panic", 255, "pagoda: kernel panic"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{kernelPath}
			if tc.append != "" {
				args = []string{"-append", tc.append, kernelPath}
			}
			cmd := exec.Command(bin, args...)
			cmd.Stdin = strings.NewReader(tc.script)
			cmd.WaitDelay = time.Second // QEMU, run's child, may hold the pipe
			timer := time.AfterFunc(bootTimeout, func() { cmd.Process.Kill() })
			out, err := cmd.CombinedOutput()
			timer.Stop()
			status := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				status = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			text := strings.ReplaceAll(string(out), "\r\n", "\n")
			if status != tc.status || !strings.Contains(text, tc.output) {
				t.Errorf("exit status %d (want %d), output lacks %q:\n%s", status, tc.status, tc.output, text)
			}
			if strings.Contains(text, "never") {
				t.Errorf("ran past halt:\n%s", text)
			}
		})
	}
}

func TestRunCommandMissingDisk(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "run", filepath.Join(root, "qemu", "cmd", "run"), "-disks", "/nonexistent.img", "kernel")
	cmd.Stdin = strings.NewReader("")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "run: disk image: stat /nonexistent.img") {
		t.Errorf("err %v, output %s", err, out)
	}
}

// On a terminal the launcher runs QEMU interactively: the monitor is
// multiplexed on the console and Ctrl-C reaches the kernel instead of
// killing QEMU. script(1) gives the launcher a pseudo-terminal.
func TestRunCommandInteractive(t *testing.T) {
	if skipReason != "" {
		t.Skip(skipReason)
	}
	bin := buildRun(t)
	cmd := exec.Command("script", "-qfec", bin+" "+kernelPath, "/dev/null")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitFor := func(s string) {
		t.Helper()
		deadline := time.Now().Add(bootTimeout)
		for !strings.Contains(out.String(), s) {
			if time.Now().After(deadline) {
				t.Fatalf("no %q in:\n%s", s, out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor(Prompt)
	in.Write([]byte("halt 3\x03"))
	waitFor("^C")
	in.Write([]byte("echo interactive\r"))
	waitFor("\ninteractive\r")
	in.Write([]byte("halt 6\r"))
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 6 {
		t.Errorf("exit %v, want status 6; output:\n%s", err, out.String())
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// buildRun builds the launcher (qemu/cmd/run) into a temporary directory.
func buildRun(t *testing.T) string {
	t.Helper()
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "run")
	if out, err := exec.Command("go", "build", "-o", bin, filepath.Join(root, "qemu", "cmd", "run")).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
