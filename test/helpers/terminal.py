"""Runs a command on a fresh pseudo-terminal, as a terminal emulator would, and reports what it showed.

argv: a JSON object {"command": [...], "cols": N, "rows": N, "steps": [...], "env": {...}, "keep": true}. Each step is one of
{"wait": TEXT} (until the screen's bytes so far hold TEXT, from the end of the previous wait), {"send": TEXT},
{"resize": [COLS, ROWS]}, {"signal": NUMBER} (to the command) or {"sleep": SECONDS}. Prints one JSON line: the exit status, the output (base64), whether
the terminal's modes (termios) at the end are those it started with, the step that timed out, if one did, and the
byte count and seconds from start to end. With "keep": false (a benchmark) the output is counted, not kept.
"""
import base64, fcntl, json, os, pty, select, struct, sys, termios, time

spec = json.loads(sys.argv[1])
TIMEOUT = spec.get("timeout", 20)
KEEP = spec.get("keep", True)


def winsize(cols, rows):
    return struct.pack("HHHH", rows, cols, 0, 0)


pid, master = pty.fork()
if pid == 0:
    # The child: session leader with the terminal as its controlling one (pty.fork did that); its size first.
    fcntl.ioctl(0, termios.TIOCSWINSZ, winsize(spec.get("cols", 80), spec.get("rows", 24)))
    os.execvpe(spec["command"][0], spec["command"], {**os.environ, **spec.get("env", {})})

start_modes = termios.tcgetattr(master)
started = time.time()
out = bytearray()
count = 0
seen = 0
timed_out = None


def read_some(deadline):
    global count
    ready, _, _ = select.select([master], [], [], max(0, min(0.05, deadline - time.time())))
    if not ready:
        return True
    try:
        data = os.read(master, 65536)
    except OSError:  # EIO: nothing holds the terminal any more
        return False
    count += len(data)
    if KEEP:
        out.extend(data)
    return bool(data)


for index, step in enumerate(spec.get("steps", [])):
    if "wait" in step:
        want = step["wait"].encode()
        deadline = time.time() + TIMEOUT
        while out.find(want, seen) < 0:
            if time.time() > deadline or not read_some(deadline):
                timed_out = index
                break
        if timed_out is not None:
            break
        seen = out.find(want, seen) + len(want)
    elif "send" in step:
        os.write(master, step["send"].encode())
    elif "resize" in step:
        fcntl.ioctl(master, termios.TIOCSWINSZ, winsize(*step["resize"]))
    elif "signal" in step:
        os.kill(pid, step["signal"])
    elif "sleep" in step:
        deadline = time.time() + step["sleep"]
        while time.time() < deadline and read_some(deadline):
            pass

if timed_out is not None:
    os.kill(pid, 9)
deadline = time.time() + TIMEOUT
while read_some(deadline) and time.time() < deadline:
    pass
seconds = time.time() - started
_, status = os.waitpid(pid, 0)
end_modes = termios.tcgetattr(master)
print(json.dumps({
    "exit": os.waitstatus_to_exitcode(status),
    "output": base64.b64encode(bytes(out)).decode(),
    "modesRestored": start_modes == end_modes,
    "timedOut": timed_out,
    "bytes": count,
    "seconds": seconds,
}))
