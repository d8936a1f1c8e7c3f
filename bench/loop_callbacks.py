"""The longest single event-loop callbacks of `palettekit serve` under large uploads (issue 20 §3).

    python bench/loop_callbacks.py [--seconds 10] [--connections 3] [--mb 19]

Starts the server in this process with every asyncio callback timed (the loop
thread's CPU time, so waiting for a core does not count), while client threads
upload a JPEG of SOI plus fill bytes in a loop on N connections, and prints the
slowest callbacks. bench_web.py's ``busy`` figure adds up every callback run
between two 10 ms ticks (all requests together); this one says how long any
single step of one request holds the loop.
"""

from __future__ import annotations

import argparse
import asyncio
import asyncio.events
import http.client
import threading
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=3)
    parser.add_argument("--mb", type=float, default=19.0)
    args = parser.parse_args()

    slow: list[tuple[float, str]] = []
    run = asyncio.events.Handle._run

    def timed(self: asyncio.events.Handle) -> None:
        started = time.thread_time()
        run(self)
        spent = time.thread_time() - started
        if spent > 0.005:
            slow.append((spent * 1000, repr(self)[:160]))

    asyncio.events.Handle._run = timed  # type: ignore[method-assign]

    import uvicorn

    from palettekit.web.app import create_app
    from palettekit.web.server import bind_socket, uvicorn_config
    from palettekit.web.settings import Settings

    settings = Settings(port=0)
    app = create_app(settings)
    threading.Thread(target=app.state.services.start, daemon=True).start()
    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn_config(app, settings, log_level="warning"))
    body = b"\xff\xd8" + b"\xff" * int(args.mb * 1_000_000)
    statuses: list[int] = []

    def upload_in_a_loop() -> None:
        end = time.monotonic() + args.seconds
        while time.monotonic() < end:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request(
                "POST", "/api/palette", body=body, headers={"content-type": "image/jpeg"}
            )
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
            connection.close()

    async def serve() -> None:
        loop = asyncio.get_running_loop()

        def clients() -> None:
            time.sleep(3.0)  # the workers start
            threads = [threading.Thread(target=upload_in_a_loop) for _ in range(args.connections)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            server.should_exit = True

        loop.run_in_executor(None, clients)
        await server.serve(sockets=[sock])

    asyncio.run(serve())
    slow.sort(reverse=True)
    print(f"{len(statuses)} uploads, statuses {sorted(set(statuses))}")
    print(f"callbacks over 5 ms of loop CPU: {len(slow)}")
    for spent, what in slow[:10]:
        print(f"  {spent:6.1f} ms  {what}")


if __name__ == "__main__":
    main()
