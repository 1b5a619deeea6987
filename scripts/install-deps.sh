#!/usr/bin/env bash
# Installs the Debian 12 packages CIMKit needs, if any are missing (needs root or sudo).
#   libopenblas-dev  OpenBLAS (loaded at run time for SGEMM)
#   zlib1g-dev       gzip reading of IDX files
#   libhdf5-dev, hdf5-tools  HDF5 chip images (h5dump for checks)
#   pkg-config       finds zlib (and HDF5) for SwiftPM
#   dataset-fashion-mnist    Fashion-MNIST in /usr/share/datasets/fashion-mnist
#   libdnnl-dev      oneDNN 2.6: convolution kernels of imported CNNs
# Optional, never fatal: the Python package h5py for scripts/chip_image_infer.py (with NumPy).
set -euo pipefail

# h5py: local wheels first (/opt/wheels), then the package index; a note if neither works.
install_h5py() {
  python3 -c 'import h5py' 2>/dev/null && return 0
  pip install -q --no-index --find-links /opt/wheels h5py 2>/dev/null && return 0
  pip install -q h5py 2>/dev/null && return 0
  echo "install-deps: note: h5py not installed (pip failed); scripts/chip_image_infer.py needs it, CIMKit does not"
}

packages=(libopenblas-dev zlib1g-dev libhdf5-dev hdf5-tools pkg-config dataset-fashion-mnist libdnnl-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present (${packages[*]})"
  install_h5py
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
install_h5py
