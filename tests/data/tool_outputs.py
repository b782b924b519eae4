"""Real outputs of system tools, as people pasted them in public issue threads (the URL above each one).
Serial numbers and UUIDs are cut; nothing else is changed. Used by tests/test_rig.py and the /rig tests."""

# https://github.com/Frogging-Family/nvidia-all/pull/212
NVIDIA_SMI_RTX_4070 = """\
$ nvidia-smi
Wed Jan 24 15:18:40 2024
+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 550.40.07              Driver Version: 550.40.07      CUDA Version: 12.4     |
|-----------------------------------------+------------------------+----------------------+
| GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |
| Fan  Temp   Perf          Pwr:Usage/Cap |           Memory-Usage | GPU-Util  Compute M. |
|                                         |                        |               MIG M. |
|=========================================+========================+======================|
|   0  NVIDIA GeForce RTX 4070        Off |   00000000:2D:00.0  On |                  N/A |
|  0%   36C    P5             17W /  200W |     430MiB /  12282MiB |      1%      Default |
|                                         |                        |                  N/A |
+-----------------------------------------+------------------------+----------------------+
"""

# https://github.com/noonghunna/club-3090/issues/741
NVIDIA_SMI_5090_AND_3090 = """\
Sat Jul 18 13:41:03 2026
+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 580.119.02             Driver Version: 580.119.02     CUDA Version: 13.0     |
+-----------------------------------------+------------------------+----------------------+
| GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |
| Fan  Temp   Perf          Pwr:Usage/Cap |           Memory-Usage | GPU-Util  Compute M. |
|                                         |                        |               MIG M. |
|=========================================+========================+======================|
|   0  NVIDIA GeForce RTX 5090        Off |   00000000:01:00.0  On |                  N/A |
|  0%   47C    P8             13W /  575W |      18MiB /  32607MiB |      0%      Default |
|                                         |                        |                  N/A |
+-----------------------------------------+------------------------+----------------------+
|   1  NVIDIA GeForce RTX 3090        Off |   00000000:02:00.0 Off |                  N/A |
|  0%   43C    P8             29W /  420W |   23352MiB /  24576MiB |      0%      Default |
|                                         |                        |                  N/A |
"""

# https://github.com/HaFred/dnn-rocket-accelerator/issues/55 (older nvidia-smi: the name is cut to "NVIDIA GeForce ...")
NVIDIA_SMI_TRUNCATED_NAME = """\
(atlas) zhongad@ee4f014:~/3D_workspace/Atlas-bare$ nvidia-smi
Mon Jul 12 13:59:45 2021
+-----------------------------------------------------------------------------+
| NVIDIA-SMI 465.19.01    Driver Version: 465.19.01    CUDA Version: 11.3     |
|-------------------------------+----------------------+----------------------+
| GPU  Name        Persistence-M| Bus-Id        Disp.A | Volatile Uncorr. ECC |
| Fan  Temp  Perf  Pwr:Usage/Cap|         Memory-Usage | GPU-Util  Compute M. |
|                               |                      |               MIG M. |
|===============================+======================+======================|
|   0  NVIDIA GeForce ...  On   | 00000000:01:00.0 Off |                  N/A |
|  0%   37C    P8    41W / 390W |    392MiB / 24259MiB |      0%      Default |
|                               |                      |                  N/A |
+-------------------------------+----------------------+----------------------+
"""

# https://github.com/microsoft/WSL/issues/11865 (Windows Server, the card in TCC mode)
NVIDIA_SMI_L40S_TCC = """\
| NVIDIA-SMI 555.85                 Driver Version: 555.85         CUDA Version: 12.5     |
|   0  NVIDIA L40S                  TCC   |   00000000:61:00.0 Off |                    0 |
"""

# https://github.com/ggml-org/llama.cpp/issues/3991 (concise table: GPUs without names)
ROCM_SMI_CONCISE = """\
super@super-System-Product-Name:~/apps/llama.cpp$ rocm-smi


========================= ROCm System Management Interface =========================
=================================== Concise Info ===================================
ERROR: GPU[2]   : sclk clock is unsupported
====================================================================================
GPU[2]          : get_power_cap, Not supported on the given system
GPU  Temp (DieEdge)  AvgPwr   SCLK     MCLK     Fan  Perf  PwrCap       VRAM%  GPU%
0    33.0c           24.0W    295Mhz   96Mhz    0%   auto  339.0W         0%   10%
1    31.0c           81.0W    1514Mhz  96Mhz    0%   auto  339.0W         0%   56%
2    37.0c           55.141W  None     1800Mhz  0%   auto  Unsupported    9%   0%
====================================================================================
=============================== End of ROCm SMI Log ================================
"""

# https://github.com/Syllo/nvtop/issues/236 (the market name missing: the PCI device id instead)
ROCM_SMI_PRODUCT_NAME_ID = """\
bymiller@byron-X570:~$ rocm-smi --showproductname

============================ ROCm System Management Interface ============================
====================================== Product Info ======================================
GPU[0]\t\t: Card series: \t\t0x744c
GPU[0]\t\t: Card model: \t\t0x2422
GPU[0]\t\t: Card vendor: \t\tAdvanced Micro Devices, Inc. [AMD/ATI]
GPU[0]\t\t: Card SKU: \t\tEXT84765
==========================================================================================
================================== End of ROCm SMI Log ===================================
"""

# https://github.com/marimo-team/marimo/issues/9237
ROCM_SMI_CSV = (
    "$ rocm-smi --showproductname --showuse --showmeminfo vram --csv\n"
    "device,GPU use (%),VRAM Total Memory (B),VRAM Total Used Memory (B),Card Series,Card Model,Card Vendor,Card SKU,"
    "Subsystem ID,Device Rev,Node ID,GUID,GFX Version\n"
    "card0,0,21458059264,27856896,Radeon RX 7900 XT,0x744c,Advanced Micro Devices Inc. [AMD/ATI],D70401XT,0x471e,0xcc,1,"
    "26967,gfx1100\n"
)

# https://github.com/ROCm/TheRock/issues/1737 (amd-smi; the first card of the table)
AMD_SMI_7900_XTX = """\
+------------------------------------------------------------------------------+
| AMD-SMI 26.1.0+5cbef4e7      amdgpu version: 6.12.12  ROCm version: 7.9.0    |
| VBIOS version:                                                               |
| Platform: Linux Baremetal                                                    |
|-------------------------------------+----------------------------------------|
| BDF                        GPU-Name | Mem-Uti   Temp   UEC       Power-Usage |
| GPU  HIP-ID  OAM-ID  Partition-Mode | GFX-Uti    Fan               Mem-Usage |
|=====================================+========================================|
| 0000:63:00.0 AMD Radeon RX 7900 XTX | 0 %      29 °C   0            47/327 W |
|   0       0     N/A             N/A | 1 %      0.0 %             27/24560 MB |
|-------------------------------------+----------------------------------------|
"""

# https://github.com/ashfurrow/xcode-hardware-performance/pull/142 (system_profiler SPHardwareDataType)
SYSTEM_PROFILER_M1 = """\
  Model Name:              MacBook Air
  Model Identifier:        MacBookAir10,1
  Chip:                    Apple M1
  Total Number of Cores:   8 (4 performance and 4 efficiency)
  Memory:                  8 GB
  System Firmware Version: 6723.81.1
  Activation Lock Status:  Disabled
"""

# https://github.com/nirs/vmnet-helper/pull/287 (tab-separated, a chip newer than the catalog)
SYSTEM_PROFILER_M5 = """\
  Model Name:\tMacBook Pro
  Model Identifier:\tMac17,2
  Chip:\tApple M5
  Total Number of Cores:\t10 (4 Super and 6 Efficiency)
  Memory:\t32 GB
"""

# https://github.com/ROCm/legacy-rocm-build/issues/6295 (lscpu, the first lines)
LSCPU_I3_12100F = """\
CPU:
Architecture: x86_64
CPU op-mode(s): 32-bit, 64-bit
Address sizes: 39 bits physical, 48 bits virtual
Byte Order: Little Endian
CPU(s): 8
On-line CPU(s) list: 0-7
Vendor ID: GenuineIntel
Model name: 12th Gen Intel(R) Core(TM) i3-12100F
CPU family: 6
Model: 151
Thread(s) per core: 2
Core(s) per socket: 4
Socket(s): 1
"""

# https://github.com/GameServerManagers/LinuxGSM/pull/1971 (free -h, older procps: "15G")
FREE_H_15G = """\
              total        used        free      shared  buff/cache   available
Mem:            15G         11G        172M        155M        3.8G        3.5G
Swap:           31G        1.8G         30G
"""

# https://github.com/fabriziosalmi/proxmox-lxc-autoscale/pull/18 (free -m: MiB without a unit)
FREE_M_32G = """\
               total        used        free      shared  buff/cache   available
Mem:           31966       10870        9147        1572       14146       21095
Swap:           2047         137        1910
"""
