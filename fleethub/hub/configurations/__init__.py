"""IoT Hub configurations: automatic device management (`deviceContent`) and IoT Edge
deployments (`modulesContent`), their targeting, the reconciler that applies them, and their
live metrics (Azure IoT Hub's Configuration; wire spec §6.3-6.4; issue #5).
"""
