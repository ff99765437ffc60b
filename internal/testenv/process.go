package testenv

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Process is a binary of the repository (the manager, a fake cloud) running as a child process,
// its output appended to a log file. It can be started again under the same name after a stop or a
// kill, as a restarted Pod would be.
type Process struct {
	// Name names the process in messages and in the log.
	Name    string
	Binary  string
	Args    []string
	LogPath string
	// Env is added to this process's environment (KEY=value).
	Env []string

	cmd    *exec.Cmd
	exited chan struct{}
	err    error // why it exited; read after exited is closed
	starts int
}

// stopGrace is how long Stop waits after SIGTERM before it kills.
const stopGrace = 10 * time.Second

// Start starts the process; its output is appended to LogPath.
func (p *Process) Start() error {
	_, err := p.start(false)
	return err
}

// StartListening starts a process that prints its base URL ("... http://127.0.0.1:port") on the
// first line of its output, as the fake clouds' commands do, and returns that URL.
func (p *Process) StartListening() (string, error) {
	return p.start(true)
}

func (p *Process) start(readURL bool) (string, error) {
	logFile, err := os.OpenFile(p.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return "", err
	}
	defer logFile.Close() // the child holds its own descriptor
	p.starts++
	fmt.Fprintf(logFile, "=== testenv: start %d of %s at %s\n", p.starts, p.Name, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(p.Binary, p.Args...) //nolint:gosec // G204: the repository's own binaries
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if len(p.Env) > 0 {
		cmd.Env = append(os.Environ(), p.Env...)
	}
	var stdout io.Reader
	if readURL {
		cmd.Stdout = nil
		if stdout, err = cmd.StdoutPipe(); err != nil {
			return "", err
		}
	}
	// A child must not outlive the test or the program that started it, even when that is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("starting %s: %w", p.Binary, err)
	}
	p.cmd, p.exited = cmd, make(chan struct{})
	if !readURL {
		go p.wait(cmd, p.exited)
		return "", nil
	}
	return p.readURL(cmd, stdout)
}

// wait records how the process ended; the output pipe, if any, must be drained first.
func (p *Process) wait(cmd *exec.Cmd, exited chan struct{}) {
	p.err = cmd.Wait()
	close(exited)
}

// readURL reads the first line of stdout for the URL, then copies the rest into the log.
func (p *Process) readURL(cmd *exec.Cmd, stdout io.Reader) (string, error) {
	lines := bufio.NewReader(stdout)
	line, err := lines.ReadString('\n')
	logFile, openErr := os.OpenFile(p.LogPath, os.O_WRONLY|os.O_APPEND, 0o600)
	go func(exited chan struct{}) {
		if openErr == nil {
			_, _ = io.Copy(logFile, lines)
			_ = logFile.Close()
		} else {
			_, _ = io.Copy(io.Discard, lines)
		}
		p.wait(cmd, exited)
	}(p.exited)
	if err != nil {
		p.Stop()
		return "", fmt.Errorf("reading %s's address: %w", p.Name, err)
	}
	i := strings.Index(line, "http://")
	if i < 0 {
		p.Stop()
		return "", fmt.Errorf("%s printed no URL: %q", p.Name, line)
	}
	return strings.TrimSpace(line[i:]), nil
}

// Kill ends the process with SIGKILL, as a node failure or an OOM kill would.
func (p *Process) Kill() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
	p.cmd = nil
}

// Stop ends the process with SIGTERM, then SIGKILL after a grace period.
func (p *Process) Stop() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(stopGrace):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	p.cmd = nil
}

// Alive returns an error when the process has exited on its own; nil when it runs or was never
// started.
func (p *Process) Alive() error {
	if p.cmd == nil {
		return nil
	}
	select {
	case <-p.exited:
		return fmt.Errorf("%s exited: %v (log: %s)", p.Name, p.err, p.LogPath)
	default:
		return nil
	}
}

// Exited is closed when the running process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Pid is the running process's id, 0 when it does not run.
func (p *Process) Pid() int {
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Starts is how many times the process was started.
func (p *Process) Starts() int { return p.starts }

// The repository's commands by binary name, as `make build` names them in bin/.
var commands = map[string]string{
	"manager":         "cmd",
	"fakencp":         "cmd/fakencp",
	"fakehuawei":      "cmd/fakehuawei",
	"kubectl-orgsync": "cmd/kubectl-orgsync",
}

// Build builds the named commands (manager, fakencp, fakehuawei, kubectl-orgsync) into dir, as
// `make build` builds them into bin/.
func Build(dir string, names ...string) error {
	root, err := RepoRoot()
	if err != nil {
		return err
	}
	for _, name := range names {
		pkg, ok := commands[name]
		if !ok {
			return fmt.Errorf("testenv: no command called %q", name)
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, name), "./"+pkg) //nolint:gosec // G204: the repository's own packages
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("building %s: %w\n%s", name, err, out)
		}
	}
	return nil
}

// ManagerBinary returns the manager to run: ORGSYNC_MANAGER when set, or else one built into dir.
func ManagerBinary(dir string) (string, error) {
	if bin := os.Getenv("ORGSYNC_MANAGER"); bin != "" {
		return bin, nil
	}
	if err := Build(dir, "manager"); err != nil {
		return "", err
	}
	return filepath.Join(dir, "manager"), nil
}
