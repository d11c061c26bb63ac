"""A bare WebSocket relay with no persistence: the floor the session room is measured against.

    python benchmarks/ws_relay.py PORT

Each frame of type "message" is acknowledged to its sender and sent to every
client connected on the same path, as the session room does (minus the
database, the channel layer and authentication).
"""

import asyncio
import contextlib
import json
import sys

from websockets.asyncio.server import serve

rooms: dict[str, set] = {}


async def handler(websocket):
    members = rooms.setdefault(websocket.request.path, set())
    members.add(websocket)
    await websocket.send(json.dumps({"type": "welcome"}))
    try:
        async for frame in websocket:
            data = json.loads(frame)
            if data.get("type") != "message":
                continue
            payload = json.dumps({"type": "message", "message": {"client_id": data["client_id"]}})
            await websocket.send(json.dumps({"type": "ack", "client_id": data["client_id"]}))
            for member in list(members):
                with contextlib.suppress(Exception):
                    await member.send(payload)
    finally:
        members.discard(websocket)


async def main(port: int) -> None:
    async with serve(handler, "127.0.0.1", port, max_size=2**16):
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
