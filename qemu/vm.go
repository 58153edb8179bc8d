package qemu

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Prompt is the kernel shell's prompt.
const Prompt = "pagoda> "

// VM is a running QEMU whose serial console is driven through pipes.
type VM struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser

	mu     sync.Mutex
	cond   *sync.Cond
	out    []byte // everything the console printed
	pos    int    // Expect's cursor into out
	exited bool
	status int
	err    error // from Wait, other than an exit status
}

// ErrTimeout is returned when the console did not print what was expected
// in time.
var ErrTimeout = errors.New("qemu: timeout")

// ErrExited is returned by Expect when QEMU exited first.
var ErrExited = errors.New("qemu: exited")

// Start boots a VM with o. The caller must Kill it (Kill after exit is
// harmless).
func Start(o Options) (*VM, error) {
	cmd, err := Command(o)
	if err != nil {
		return nil, err
	}
	vm := &VM{cmd: cmd}
	vm.cond = sync.NewCond(&vm.mu)
	if vm.stdin, err = vm.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	r, w := io.Pipe()
	vm.cmd.Stdout, vm.cmd.Stderr = w, w
	if err := vm.cmd.Start(); err != nil {
		return nil, fmt.Errorf("qemu: %w", err)
	}
	collected := make(chan struct{})
	go func() { vm.collect(r); close(collected) }()
	go func() {
		err := vm.cmd.Wait()
		w.Close()
		<-collected // everything QEMU printed is in vm.out before it counts as exited
		vm.mu.Lock()
		defer vm.mu.Unlock()
		vm.exited = true
		vm.status = vm.cmd.ProcessState.ExitCode()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			vm.err = err
		}
		vm.cond.Broadcast()
	}()
	return vm, nil
}

func (vm *VM) collect(r io.Reader) {
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		vm.mu.Lock()
		vm.out = append(vm.out, buf[:n]...)
		vm.cond.Broadcast()
		vm.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// Write sends raw bytes to the console.
func (vm *VM) Write(p []byte) (int, error) { return vm.stdin.Write(p) }

// Send types a line on the console.
func (vm *VM) Send(line string) error {
	_, err := io.WriteString(vm.stdin, line+"\n")
	return err
}

// Expect waits until the console output after the cursor matches re and
// moves the cursor past the match. It returns the output from the cursor
// to the end of the match.
func (vm *VM) Expect(re string, timeout time.Duration) (string, error) {
	rx, err := regexp.Compile(re)
	if err != nil {
		return "", err
	}
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() {
		vm.mu.Lock()
		vm.cond.Broadcast()
		vm.mu.Unlock()
	})
	defer timer.Stop()
	vm.mu.Lock()
	defer vm.mu.Unlock()
	for {
		text := string(vm.out[vm.pos:])
		if loc := rx.FindStringIndex(text); loc != nil {
			vm.pos += loc[1]
			return text[:loc[1]], nil
		}
		if vm.exited {
			return text, fmt.Errorf("%w (status %d) before %q appeared", ErrExited, vm.status, re)
		}
		if !time.Now().Before(deadline) {
			return text, fmt.Errorf("%w after %v waiting for %q", ErrTimeout, timeout, re)
		}
		vm.cond.Wait()
	}
}

// Run types a command and waits for the next prompt, returning what the
// command printed (without the echoed command line and the prompt).
func (vm *VM) Run(line string, timeout time.Duration) (string, error) {
	if err := vm.Send(line); err != nil {
		return "", err
	}
	out, err := vm.Expect(regexp.QuoteMeta(Prompt), timeout)
	if err != nil {
		return out, err
	}
	out = strings.TrimSuffix(out, Prompt)
	out = strings.ReplaceAll(out, "\r\n", "\n")
	_, rest, _ := strings.Cut(out, "\n") // the echo of the line
	return rest, nil
}

// Wait waits for QEMU to exit and returns its exit status.
func (vm *VM) Wait(timeout time.Duration) (int, error) {
	timer := time.AfterFunc(timeout, func() {
		vm.mu.Lock()
		vm.cond.Broadcast()
		vm.mu.Unlock()
	})
	defer timer.Stop()
	deadline := time.Now().Add(timeout)
	vm.mu.Lock()
	defer vm.mu.Unlock()
	for !vm.exited {
		if !time.Now().Before(deadline) {
			return -1, fmt.Errorf("%w after %v waiting for QEMU to exit", ErrTimeout, timeout)
		}
		vm.cond.Wait()
	}
	return vm.status, vm.err
}

// Kill stops QEMU if it is still running.
func (vm *VM) Kill() {
	vm.mu.Lock()
	exited := vm.exited
	vm.mu.Unlock()
	if !exited {
		vm.cmd.Process.Kill()
	}
	vm.stdin.Close()
}

// Log is everything the console printed so far, with CR LF as LF.
func (vm *VM) Log() string {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	return strings.ReplaceAll(string(vm.out), "\r\n", "\n")
}
