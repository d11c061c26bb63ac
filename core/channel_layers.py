"""The channel layer: channels_redis's pub/sub layer, with publishing that does not wait in line.

channels_redis (4.3) sends every PUBLISH of a process through one lock, shared
with its SUBSCRIBE and UNSUBSCRIBE commands, so a process publishes one message
per round trip to Redis — and per turn of its event loop, since the answer is
read only when the loop gets to it. With a busy loop the line grew faster than
it drained: at 1,000 room clients broadcasts waited seconds. The lock exists
for the subscribing connection, which must not be used by two coroutines at
once; a PUBLISH goes through the ordinary connection pool, which is safe to use
concurrently, so here it takes no lock.

Its connections share one description of the client (``DRIVER_INFO``): without it redis-py looks its
own version up in the installed packages' metadata for every new connection, 0.44 ms each measured
here, which a burst of room joins (each opening publishing connections) pays hundreds of times.
"""

from __future__ import annotations

import asyncio

import redis
from channels_redis.pubsub import RedisPubSubChannelLayer, RedisPubSubLoopLayer, RedisSingleShardConnection
from channels_redis.utils import _wrap_close, decode_hosts
from redis.driver_info import DriverInfo

DRIVER_INFO = DriverInfo(name="redis-py", lib_version=redis.__version__)


class _Shard(RedisSingleShardConnection):
    async def publish(self, channel, message):
        self._ensure_redis()
        await self._redis.publish(channel, message)


class _LoopLayer(RedisPubSubLoopLayer):
    def __init__(self, hosts=None, *args, **kwargs):
        super().__init__(hosts, *args, **kwargs)
        self._shards = [_Shard({"driver_info": DRIVER_INFO, **host}, self) for host in decode_hosts(hosts)]


class PubSubChannelLayer(RedisPubSubChannelLayer):
    def _get_layer(self):
        loop = asyncio.get_running_loop()
        layer = self._layers.get(loop)
        if layer is None:
            layer = self._layers[loop] = _LoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
        return layer
