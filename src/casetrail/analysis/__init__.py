"""Analysis of the course of conduct: figures and findings an officer can check against exhibits."""
