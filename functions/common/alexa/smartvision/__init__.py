"""The SmartVision interfaces (ObjectDetectionSensor, SnapshotProvider) and Alexa.DataController:
one module per interface, each holding its message shapes and the JSON schema they must meet.

The schemas are the project's own, written from Alexa's device-API pages: the official schema
package predates these interfaces. Where a page could not be read in full, the module says which
parts rest on the issue's facts instead (docs/detections.md), so a correction is a
change to one module.
"""
