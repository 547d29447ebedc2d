"""LoRaWAN on the one registry and catalogue (seed 000's Portal API, issue #5): device models
with a LoRaWAN profile, LoRaWAN devices, and LoRa Basics Station concentrators.
"""
