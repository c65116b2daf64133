"""Computer vision: the tflite runtime, the label classifier and the face pipeline.

Nothing in here knows about Flask or Peewee: functions take images and return plain data.
"""
