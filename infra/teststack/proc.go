package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// stopGrace is how long a server gets between SIGTERM and SIGKILL.
const stopGrace = 5 * time.Second

// process is a background server started by a service: its own process
// group (so stopping it also ends anything it forked), output in a log file.
type process struct {
	cmd  *exec.Cmd
	log  string
	done chan struct{} // closed when the process has exited
}

// startProcess starts name args in dir, appending stdout and stderr to
// logPath.
func startProcess(logPath, dir, name string, args ...string) (*process, error) {
	return startProcessEnv(logPath, dir, nil, name, args...)
}

// startProcessEnv is startProcess with extra environment variables
// ("KEY=VALUE") on top of this process's.
func startProcessEnv(logPath, dir string, env []string, name string, args ...string) (*process, error) {
	lf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(lf, "--- %s %v\n", name, args)
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	setDeathSignal(cmd.SysProcAttr)
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	p := &process{cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		lf.Close()
		close(p.done)
	}()
	return p, nil
}

// stop sends SIGTERM to the process group, then SIGKILL after stopGrace,
// and waits for the process to be gone. Safe on a nil or exited process.
func (p *process) stop() error {
	if p == nil {
		return nil
	}
	pgid := p.cmd.Process.Pid // Setpgid: the group id is the leader's pid
	select {
	case <-p.done:
		// The leader is gone; still sweep any children left in its group.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		return nil
	default:
	}
	if err := syscall.Kill(-pgid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	select {
	case <-p.done:
	case <-time.After(stopGrace):
		progress("%s did not stop within %s; killing", p.cmd.Path, stopGrace)
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL) // stragglers in the group
	return nil
}

// tail returns the last n lines of the log, for error messages.
func (p *process) tail(n int) string {
	return tailFile(p.log, n)
}

func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
