"""Placement's rules, one module per resource: capacity, generations, trees and names."""
