#!/bin/sh
# 离线安装巡察工作平台（xuncha）：在不能访问软件源的机器上，从本安装包的 wheels/ 安装。
#
# 用法：sh install.sh [虚拟环境目录]        （默认 /opt/xuncha/venv）
#       PYTHON=/usr/bin/python3.11 sh install.sh /srv/xuncha/venv
#
# 需要：与制作安装包时相同的操作系统、CPU 架构和 Python 版本（见 PYTHON_VERSION），
# 以及 Python 的 venv 模块（Debian/Ubuntu：python3-venv）。不访问网络。
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
TARGET=${1:-/opt/xuncha/venv}
PYTHON=${PYTHON:-python3}
WANT=$(cat "$HERE/PYTHON_VERSION")

HAVE=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || {
    echo "错误：找不到 Python（$PYTHON）；可用 PYTHON=/path/to/python$WANT 指定" >&2
    exit 2
}
if [ "$HAVE" != "$WANT" ]; then
    echo "错误：安装包为 Python $WANT 制作，$PYTHON 是 Python $HAVE；可用 PYTHON=... 指定" >&2
    exit 2
fi

echo "校验安装包文件……"
(cd "$HERE" && sha256sum --check --quiet SHA256SUMS) || {
    echo "错误：安装包文件校验失败（SHA256SUMS），安装包可能损坏或被改动" >&2
    exit 2
}

# Only this bundle: no configured index, mirror or extra wheel folder of the machine.
unset PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_FIND_LINKS PIP_CONSTRAINT PIP_REQUIREMENT
export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

echo "创建虚拟环境 $TARGET ……"
"$PYTHON" -m venv "$TARGET"
echo "安装依赖（requirements.lock）……"
"$TARGET/bin/python" -m pip install --quiet --no-index --find-links "$HERE/wheels" \
    -r "$HERE/requirements.lock"
echo "安装 xuncha ……"
"$TARGET/bin/python" -m pip install --quiet --no-index --find-links "$HERE/wheels" \
    --no-deps "$HERE"/wheels/xuncha-*.whl
"$TARGET/bin/python" -m pip check
echo "安装完成：$TARGET/bin/xuncha（$("$TARGET/bin/xuncha" --version)）"
