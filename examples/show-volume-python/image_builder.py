from everai.image import Builder

IMAGE = 'show-volume-python:v1'
