"""A TLS front for the stub, so the image's https:// path can be run without the internet.

    python3 .ci/container-tls-proxy.py CERT KEY PORT UPSTREAM_PORT

Listens on 0.0.0.0:PORT with CERT/KEY and pipes every connection's bytes to 127.0.0.1:UPSTREAM_PORT.
.ci/container.sh runs it inside the stub container's network namespace (nsenter), so `https://stub:PORT`
on the container network is the stub behind TLS. Prints `ready` once it listens.
"""

import asyncio
import ssl
import sys


async def pump(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError, OSError):
        pass
    finally:
        try:
            writer.close()
        except (ConnectionError, ssl.SSLError, OSError):
            pass


async def main(cert, key, port, upstream):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)

    async def handle(client_r, client_w):
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", upstream)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(pump(client_r, up_w), pump(up_r, client_w))

    server = await asyncio.start_server(handle, "0.0.0.0", port, ssl=ctx, backlog=1024)
    print("ready", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    cert, key, port, upstream = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    asyncio.run(main(cert, key, port, upstream))
