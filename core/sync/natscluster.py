"""A city hub of several nats-servers (``xuncha nats-config --cluster``).

One hub server is one machine whose loss stops every county's sync. With
``--cluster`` the city runs ``N`` (odd, at least 3) hub nodes that form one
JetStream cluster (nats-server's own RAFT, no home-made replication):

* every node has its own ``server_name`` (``xuncha-hub-<city>-<i>``) and
  store directory (``<store>/<city>-<i>``), the same JetStream domain (the
  city's token) and the same county users as a single hub;
* the nodes are joined by a ``cluster {}`` block: a cluster name, a route
  listener, a route user whose password is generated like the counties' and
  kept on regeneration, and ``routes`` to every other node;
* every node has a leafnode listener, and a county's leaf lists all of them in
  its remote (``urls``), so when the node it is linked to dies it links to
  another;
* the city app lists every node's client URL in ``XUNCHA_NATS_URL`` and
  creates the sync streams with ``XUNCHA_SYNC_REPLICAS`` copies (3), so a
  stream survives one node's loss with nothing lost.

Addresses and ports: ``--node-hosts`` names each node's address (as the
other nodes and the counties reach it; default ``--host`` for all). A node
on a host of its own uses the base ports (``--hub-port``, ``--leaf-port``,
``--cluster-port``); nodes sharing a host get the base ports plus 0, 1, 2…
in order, so three nodes on one machine (a trial, the compose file, the
tests) need no further options. Client ports listen on 127.0.0.1 as on a
single hub; nodes do not advertise them to clients (``no_advertise``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ROUTE_USER",
    "SYNC_REPLICAS",
    "HubCluster",
    "HubNode",
    "check_host",
    "cluster_block",
    "plan_cluster",
]

ROUTE_USER = "route"
"""The user hub nodes authenticate their routes to each other with."""
SYNC_REPLICAS = 3
"""Copies of each sync stream on a hub cluster: one node may be lost."""


def check_host(host: str, option: str) -> str | None:
    """Why ``host`` cannot be written into a configuration (None: it can).

    Args:
        host: a host name, an IPv4 address, or an IPv6 address in brackets.
        option: the option it came from, named in the message.
    """
    if not host or any(c in host for c in ' "/@,'):
        return f"{option} 不是有效的地址：{host!r}"
    if ":" in host and not (host.startswith("[") and host.endswith("]")):
        return f"{option} 为 IPv6 地址时请加方括号，如 [{host}]"
    return None


@dataclass(frozen=True, slots=True)
class HubNode:
    """One nats-server of the city's hub cluster.

    Attributes:
        index: its number, from 1.
        host: its address, as the other nodes and the counties reach it.
        client_port: its client port (127.0.0.1).
        leaf_port: its leafnode port (on ``host``).
        cluster_port: its route port (on ``host``).
    """

    index: int
    host: str
    client_port: int
    leaf_port: int
    cluster_port: int


@dataclass(frozen=True, slots=True)
class HubCluster:
    """The hub nodes and the route credentials they share.

    Attributes:
        nodes: the nodes, in order.
        route_password: password of :data:`ROUTE_USER`.
    """

    nodes: tuple[HubNode, ...]
    route_password: str

    @property
    def hosts(self) -> list[str]:
        """The nodes' distinct addresses, in order (the hub certificate names them all)."""
        return list(dict.fromkeys(node.host for node in self.nodes))

    def route_url(self, node: HubNode) -> str:
        """The URL other nodes dial ``node``'s routes at, with the route credentials."""
        return f"nats-route://{ROUTE_USER}:{self.route_password}@{node.host}:{node.cluster_port}"

    def client_urls(self) -> list[str]:
        """The city app's ``XUNCHA_NATS_URL`` entries: each node's loopback client port.

        Nodes on other hosts with the same port give the same URL (the app
        then reaches the node on its own host), so duplicates are dropped.
        """
        return list(dict.fromkeys(f"nats://127.0.0.1:{n.client_port}" for n in self.nodes))


def plan_cluster(
    *,
    nodes: int,
    hosts: Sequence[str],
    hub_port: int,
    leaf_port: int,
    cluster_port: int,
    route_password: str,
) -> HubCluster:
    """Addresses and ports of ``nodes`` hub nodes.

    Args:
        nodes: how many (odd, 3 to 9).
        hosts: each node's address; one address is used for every node.
        hub_port: base client port.
        leaf_port: base leafnode port.
        cluster_port: base route port.
        route_password: the route user's password.

    Raises:
        ValueError: a bad count, a bad or missing address, or a port out of
            range or used twice on one host (one line in Chinese).
    """
    if nodes < 3 or nodes > 9 or nodes % 2 == 0:
        raise ValueError(f"--cluster-nodes 应为 3 到 9 之间的奇数（JetStream 需过半节点存活），"
                     f"实际为 {nodes}")
    names = list(hosts)
    if len(names) == 1:
        names *= nodes
    if len(names) != nodes:
        raise ValueError(f"--node-hosts 应列出 {nodes} 个地址（或只列 1 个，各节点共用），"
                     f"实际为 {len(names)} 个")
    for name in names:
        problem = check_host(name, "--node-hosts")
        if problem:
            raise ValueError(problem)
    planned: list[HubNode] = []
    used: dict[tuple[str, int], str] = {}
    for index, host in enumerate(names, start=1):
        offset = names[:index - 1].count(host)
        node = HubNode(index=index, host=host, client_port=hub_port + offset,
                       leaf_port=leaf_port + offset, cluster_port=cluster_port + offset)
        ports = {"客户端": node.client_port, "叶节点": node.leaf_port,
                 "路由": node.cluster_port}
        for what, port in ports.items():
            label = f"节点 {index} 的{what}端口"
            if not 1 <= port <= 65535:
                raise ValueError(f"{label}超出范围（1–65535）：{port}")
            # All three listen on the node's machine (the client port on its loopback).
            key = (host, port)
            if key in used:
                raise ValueError(f"{label}与{used[key]}在 {host} 上使用了同一端口 {port}")
            used[key] = label
        planned.append(node)
    return HubCluster(nodes=tuple(planned), route_password=route_password)


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def cluster_block(cluster: HubCluster, node: HubNode, name: str, tls: str = "") -> str:
    """The ``cluster {}`` block of ``node``: its route listener and its routes to the others.

    Args:
        cluster: the hub cluster.
        node: the node whose file this is.
        name: the cluster's name (the same on every node).
        tls: the routes' ``tls {}`` block, indented by two (empty: routes in clear).
    """
    routes = "".join(f"    {_q(cluster.route_url(other))}\n"
                     for other in cluster.nodes if other.index != node.index)
    return (
        f"cluster {{\n"
        f"  name: {_q(name)}\n"
        f"  listen: {_q(f'{node.host}:{node.cluster_port}')}\n"
        f"  # Clients are told of no other node: the app lists them itself.\n"
        f"  no_advertise: true\n"
        f"  authorization {{\n"
        f"    user: {_q(ROUTE_USER)}\n"
        f"    password: {_q(cluster.route_password)}\n"
        f"    timeout: 2\n"
        f"  }}\n"
        f"{tls}"
        f"  routes: [\n"
        f"{routes}"
        f"  ]\n"
        f"}}\n"
    )
